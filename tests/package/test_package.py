"""What an admin installs (issue 14): `make install`, the Debian package,
the manuals, the unit and the bash completion.

- `make install DESTDIR=` (under umask 077) gives exactly the expected
  files, with their modes; `make uninstall` removes them all.
- The package is built from a clean copy of the tree
  (`dpkg-buildpackage -us -uc -b`), lintian finds no error (and no warning
  but the ones listed below), and it is unpacked into a scratch root
  (`dpkg -x`): the expected files where Debian puts them, a binary that
  runs and says the package's version, the state directories, the unit
  enabled by the maintainer scripts.
- The unit passes `systemd-analyze verify` and keeps its sandbox
  (`systemd-analyze security` exposure at most UNIT_EXPOSURE / 10).
- The manuals render without a warning (as lintian checks them), `man`
  finds them by name where they are installed, and they name every command
  and option of `bridgeguard --help`; their example config is valid.
- The completion offers exactly the commands of --help, and each
  command's options.

Run as root, like the rest (the root conftest): `make pkg-check`.
"""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import labkit

REPO = labkit.REPO
BIN = labkit.BIN
MANS = [REPO / "docs" / "bridgeguard.8", REPO / "docs" / "bridgeguard.yaml.5"]
UNIT = "bridgeguard.service"
# systemd-analyze security's score of the unit at most 3.0 (10 = no
# sandbox; --threshold counts tenths). The rest of the exposure is what the
# daemon needs (root for the sensor's drop to nobody, the host's network,
# netlink, packet sockets): README, "Installing".
UNIT_EXPOSURE = 30
# Lintian warnings left on purpose (none: errors and warnings fail).
LINTIAN_ALLOWED = set()

INSTALLED = {  # make install, relative to PREFIX: path -> mode
    "sbin/bridgeguard": 0o755,
    "share/man/man8/bridgeguard.8": 0o644,
    "share/man/man5/bridgeguard.yaml.5": 0o644,
    "share/doc/bridgeguard/README.md": 0o644,
    "share/doc/bridgeguard/daemon.md": 0o644,
    "share/doc/bridgeguard/examples/bridgeguard.yaml": 0o644,
    "share/bash-completion/completions/bridgeguard": 0o644,
    "lib/systemd/system/bridgeguard.service": 0o644,
}
IN_DEB = {  # the package's files (the unit's directory depends on the release)
    "usr/sbin/bridgeguard": 0o755,
    "usr/share/man/man8/bridgeguard.8.gz": 0o644,
    "usr/share/man/man5/bridgeguard.yaml.5.gz": 0o644,
    "usr/share/doc/bridgeguard/README.md.gz": 0o644,
    "usr/share/doc/bridgeguard/daemon.md.gz": 0o644,
    "usr/share/doc/bridgeguard/examples/bridgeguard.yaml": 0o644,
    "usr/share/doc/bridgeguard/changelog.gz": 0o644,
    "usr/share/doc/bridgeguard/copyright": 0o644,
    "usr/share/bash-completion/completions/bridgeguard": 0o644,
    "UNITDIR/bridgeguard.service": 0o644,
    "usr/lib/sysusers.d/bridgeguard.conf": 0o644,   # the sensor's user
}
DEB_DIRS = ["etc/bridgeguard", "var/log/bridgeguard"]   # config, events


def run(cmd, check=True, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                       **kw)
    assert not check or r.returncode == 0, (
        f"{' '.join(map(str, cmd))}: exit {r.returncode}\n"
        f"stdout: {r.stdout}\nstderr: {r.stderr}")
    return r


def umask077():
    os.umask(0o077)


def files_under(root):
    """{relative path: mode} of the regular files (and links) under root."""
    out = {}
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = Path(dirpath) / n
            out[str(p.relative_to(root))] = p.lstat().st_mode & 0o7777
    return out


@pytest.fixture(scope="module")
def built():
    run(["make", "-s", "-C", REPO, "bridgeguard"], timeout=600)


# --------------------------------------------------------------------------
# make install / uninstall

@pytest.mark.parametrize("prefix", ["/usr/local", "/usr"])
def test_make_install_uninstall(built, tmp_path, prefix):
    dest = tmp_path / "root"
    args = ["make", "-s", "-C", REPO, f"DESTDIR={dest}"]
    if prefix != "/usr/local":
        args.append(f"PREFIX={prefix}")
    run(args + ["install"], preexec_fn=umask077, timeout=120)
    want = {f"{prefix[1:]}/{p}": m for p, m in INSTALLED.items()}
    assert files_under(dest) == want
    unit = (dest / prefix[1:] / "lib/systemd/system" / UNIT).read_text()
    assert f"ExecStart={prefix}/sbin/bridgeguard " in unit
    assert f"file:{prefix}/share/doc/bridgeguard/daemon.md" in unit
    r = run([dest / prefix[1:] / "sbin/bridgeguard", "--version"])
    assert r.stdout.startswith("bridgeguard ")
    run(args + ["uninstall"], timeout=60)
    assert files_under(dest) == {}
    assert not (dest / prefix[1:] / "share/doc/bridgeguard").exists()


# --------------------------------------------------------------------------
# the Debian package

def clean_copy(dst):
    """The tree as a fresh clone has it: no build outputs, no VCS."""
    outputs = {".git", "build", "bridgeguard-asan", "__pycache__",
               ".pytest_cache"}

    def ignore(d, names):
        top = Path(d).resolve() == REPO
        return [n for n in names if n in outputs or n.endswith(".o") or
                (top and n == "bridgeguard")]
    shutil.copytree(REPO, dst, symlinks=True, ignore=ignore)


@pytest.fixture(scope="module")
def deb(tmp_path_factory):
    """Build the package in a clean copy (under umask 077, so that the
    package's modes cannot come from the builder's); unpack it."""
    top = tmp_path_factory.mktemp("deb")
    src = top / "bridgeguard"
    clean_copy(src)
    env = dict(os.environ, DEB_BUILD_OPTIONS="parallel=2")
    r = run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, env=env,
            preexec_fn=umask077, check=False, timeout=900)
    assert r.returncode == 0, f"dpkg-buildpackage:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    version = run(["dpkg-parsechangelog", "-S", "Version"], cwd=src).stdout.strip()
    debs = sorted(top.glob(f"bridgeguard_{version}_*.deb"))
    assert len(debs) == 1, list(top.iterdir())
    root = top / "root"
    run(["dpkg", "-x", debs[0], root])
    run(["dpkg-deb", "-e", debs[0], top / "control"])
    return dict(top=top, deb=debs[0], root=root, version=version,
                changes=next(top.glob("*.changes")), control=top / "control")


def unit_dir(root):
    dirs = [d for d in ("lib/systemd/system", "usr/lib/systemd/system")
            if (root / d / UNIT).exists()]
    assert len(dirs) == 1, dirs
    return dirs[0]


def test_deb_files(deb):
    r = run(["dpkg-deb", "-c", deb["deb"]])
    owners = {line.split()[1] for line in r.stdout.splitlines()}
    assert owners == {"root/root"}, owners
    want = {p.replace("UNITDIR", unit_dir(deb["root"])): m
            for p, m in IN_DEB.items()}
    assert files_under(deb["root"]) == want
    for d in DEB_DIRS:
        assert (deb["root"] / d).is_dir(), d


def test_deb_runs(deb):
    """The packaged binary runs, says the package's version, and reads its
    example config; the maintainer scripts enable the unit."""
    sbin = deb["root"] / "usr/sbin/bridgeguard"
    r = run([sbin, "--version"])
    assert r.stdout.strip() == f"bridgeguard {deb['version']}"
    ex = deb["root"] / "usr/share/doc/bridgeguard/examples/bridgeguard.yaml"
    run([sbin, "-c", ex, "check"])
    postinst = (deb["control"] / "postinst").read_text()
    assert "deb-systemd-helper" in postinst and UNIT in postinst
    # the sensor's own user, made before the unit starts
    assert "systemd-sysusers" in postinst and "bridgeguard.conf" in postinst
    postrm = (deb["control"] / "postrm").read_text()
    assert "rm -rf /var/log/bridgeguard" in postrm


def test_lintian(deb):
    r = run(["lintian", "--display-info", "--pedantic", deb["changes"]],
            check=False, timeout=600)
    tags = [l for l in r.stdout.splitlines() if re.match(r"[EWIPXO]: ", l)]
    print("\n".join(tags))                              # shown with -rA
    errors = [t for t in tags if t.startswith("E: ")]
    warnings = {t.split()[2] for t in tags if t.startswith("W: ")}
    assert not errors, "\n".join(tags)
    assert warnings <= LINTIAN_ALLOWED, "\n".join(tags)


def test_unit(deb):
    root = deb["root"]
    env = dict(os.environ, MANPATH=str(root / "usr/share/man"))
    r = run(["systemd-analyze", "verify", f"--root={root}", UNIT], env=env,
            check=False)
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr
    r = run(["systemd-analyze", "security", "--offline=true", f"--root={root}",
             f"--threshold={UNIT_EXPOSURE}", UNIT], check=False)
    score = re.search(r"Overall exposure level for \S+: (\S+)", r.stdout)
    assert r.returncode == 0 and score, r.stdout + r.stderr
    print(f"systemd-analyze security: {score.group(1)}")


# --------------------------------------------------------------------------
# manuals

@pytest.mark.parametrize("page", MANS, ids=lambda p: p.name)
def test_man_renders_without_warnings(page):
    # lintian's own check (groff-message), and groff's every warning.
    env = dict(os.environ, LC_ALL="C.UTF-8", MANROFFSEQ="", MANWIDTH="80")
    r = run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", page],
            env=env)
    assert r.stderr == "", r.stderr
    r = run(["groff", "-man", "-ww", "-z", page])
    assert r.stderr == "", r.stderr


@pytest.mark.parametrize("page", MANS, ids=lambda p: p.name)
def test_man_version_is_the_binarys(built, page):
    version = run([BIN, "--version"]).stdout.split()[1]
    th = next(l for l in page.read_text().splitlines() if l.startswith(".TH "))
    assert f'"bridgeguard {version}"' in th, th


def rendered(page, env=None):
    e = dict(os.environ, MANWIDTH="200", LC_ALL="C.UTF-8")
    e.update(env or {})
    return run(["man", "-P", "cat"] + page, env=e).stdout


def test_man_finds_installed_pages(deb):
    """`man bridgeguard` and `man bridgeguard.yaml` show the packaged pages."""
    man = str(deb["root"] / "usr/share/man")
    assert "bridgeguard - port security" in rendered(["-M", man, "8", "bridgeguard"])
    assert "bridgeguard.yaml - " in rendered(["-M", man, "5", "bridgeguard.yaml"])


def help_text():
    return run([BIN, "--help"]).stdout


def help_commands():
    """{command: its long options} from --help ("guest add", "guest del"
    apart), and the global options."""
    cmds, glob, section = {}, set(), None
    for line in help_text().splitlines():
        if re.match(r"\w[\w ]*:$", line):
            section = line[:-1]
            continue
        head = re.split(r"\s{2,}", line.strip())[0]
        if section == "commands" and re.match(r"  \w", line):
            w = head.split()
            name = " ".join(w[:2]) if w[0] == "guest" else w[0]
            cmds[name] = set(re.findall(r"--[a-z0-9-]+", head))
        elif section == "options" and re.match(r"  -", line):
            glob |= set(re.findall(r"(?<![\w-])--?[A-Za-z][a-z0-9-]*", head))
    assert {"apply", "run", "guest add", "events"} <= set(cmds), cmds
    assert {"-c", "--config", "--socket", "--help"} <= glob, glob
    return cmds, glob


def test_man_names_every_command_and_option(built):
    text = rendered(["-l", REPO / "docs/bridgeguard.8"])
    cmds, glob = help_commands()
    for name, opts in cmds.items():
        assert re.search(rf"\bbridgeguard\b.* {name}\b", text), name
        for o in opts:
            assert o in text, f"{name} {o}"
    for o in glob:
        assert re.search(rf"(?<![\w-]){o}\b", text), o


def test_man_example_is_valid(built, tmp_path):
    """The EXAMPLE of bridgeguard.yaml(5), as a reader copies it, and the
    shipped example are configs `check` accepts."""
    text = rendered(["-l", REPO / "docs/bridgeguard.yaml.5"])
    m = re.search(r"\nEXAMPLE\n(.*?)\n(?=\S)", text, re.S)
    assert m, text
    lines = m.group(1).splitlines()
    indent = min(len(l) - len(l.lstrip()) for l in lines if l.strip())
    cfg = tmp_path / "example.yaml"
    cfg.write_text("\n".join(l[indent:] for l in lines) + "\n")
    run([BIN, "-c", cfg, "check"])
    run([BIN, "-c", REPO / "examples/bridgeguard.yaml", "check"])


# --------------------------------------------------------------------------
# bash completion

COMPLETE = r'''
source /usr/share/bash-completion/bash_completion
source "$1"; shift
COMP_WORDS=(bridgeguard "$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
_bridgeguard bridgeguard "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
printf '%s\n' "${COMPREPLY[@]}"
'''


def complete(*words):
    r = run(["bash", "-c", COMPLETE, "complete",
             REPO / "contrib/bridgeguard.bash", *words])
    return set(r.stdout.split())


def test_completion_matches_help(built):
    cmds, glob = help_commands()
    assert complete("") == {c.split()[0] for c in cmds}
    assert complete("guest", "") == {c.split()[1] for c in cmds
                                     if c.startswith("guest ")}
    longs = {o for o in glob if o.startswith("--")}
    for name, opts in cmds.items():
        got = complete(*name.split(), "--")
        assert opts | longs <= got, f"{name}: missing {opts | longs - got}"
        assert got - longs <= opts, f"{name}: not in --help: {got - longs - opts}"
    assert complete("-c", "x", "ru") == {"run"}
