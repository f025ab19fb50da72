#!/bin/sh
# Stage 2 inside the VM, as PID 1 on the host's userland (read-only 9p with a
# tmpfs overlay; see init): the usual pseudo filesystems, loopback, then
# $OUT/cmd with a deadline, its output in $OUT/log and its exit status in
# $OUT/rc. Powers the VM off whatever happens.
OUT=$1
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
# Emulation is about 5x slower: tests scale their time bounds by this.
export BG_TIME_SCALE=5

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs shm /dev/shm
# A fresh /tmp, unless the checkout (and so $OUT) is under it: a tmpfs
# there would hide both.
for d in /tmp /var/tmp; do
	case "$OUT/" in "$d"/*) continue ;; esac
	mount -t tmpfs -o mode=1777 tmp "$d"
done
mount -t tmpfs -o mode=755 run /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
hostname bgk
ip link set lo up

deadline=$(cat "$OUT/deadline")
echo "bgk: $(uname -r): running $OUT/cmd (deadline ${deadline}s)" >/dev/console
timeout -k 10 "$deadline" /bin/sh "$OUT/cmd" >"$OUT/log" 2>&1 </dev/null
echo $? >"$OUT/rc"
echo "bgk: $(uname -r): exit $(cat "$OUT/rc")" >/dev/console
sync
busybox poweroff -f || echo o >/proc/sysrq-trigger
