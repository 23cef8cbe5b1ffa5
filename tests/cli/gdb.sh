#!/bin/sh
# gdb.sh XBT GUESTDIR - the gdb stub with Debian's gdb in batch mode
#   against the gdb_target kernel (-S: stopped before its first
#   instruction): a breakpoint at kmain, three stepi through gdb_steps with
#   EIP and EAX checked against its disassembly (5-, 3- and 3-byte
#   instructions), x/4xw of known words, `set var` seen in the guest's
#   output and exit status, a hardware breakpoint, delete, continue to the
#   end (gdb hears the exit code); memory through paging (a higher-half
#   alias, an unmapped address) and a detach; steps across a fault and
#   INT n stop at the handler; ^C while the guest spins and
#   a breakpoint in its loop, translated and chained before it was set;
#   --stats counts the session; -S waiting still ends on Ctrl-A x; a bad
#   --gdb spec, -S alone and a port in use are one error line and status 2.  Skipped (77) without gdb.
set -u
XBT=$1 G=$2
K=$G/gdb_target.elf
. "$(dirname "$0")/common.sh"
command -v gdb >/dev/null 2>&1 || { echo "gdb not installed: skipped"; exit 77; }

# xbt -S on a random high port (retried if taken); sets P and XP
start_xbt() {
    for try in 1 2 3 4 5 6 7 8; do
        P=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
        timeout 90 "$XBT" run -S --gdb "tcp::$P" --stats "$@" >"$T/xout" 2>"$T/xerr" </dev/null &
        XP=$!
        # wait until it listens or gives up
        for i in $(seq 50); do
            grep -q "cannot listen" "$T/xerr" 2>/dev/null && break
            kill -0 "$XP" 2>/dev/null || break
            if ss -ltn 2>/dev/null | grep -q ":$P "; then return 0; fi
            sleep 0.1
        done
        grep -q "cannot listen" "$T/xerr" || return 0
        wait "$XP"
    done
    return 1
}

start_xbt "$K" || { bad "no free port"; finish; exit 1; }
cat >"$T/cmds" <<EOF
set pagination off
target remote 127.0.0.1:$P
info registers eip
break kmain
continue
info registers eip
break *gdb_steps
continue
printf "at %x\n", \$pc
stepi
printf "step1 %x %d\n", \$pc, \$eax
stepi
printf "step2 %x %d\n", \$pc, \$eax
stepi
printf "step3 %x %d\n", \$pc, \$eax
x/4xw &gdb_words
set var gdb_value = 9
hbreak gdb_work
continue
printf "in gdb_work v=%d\n", v
info registers cr0
delete
watch gdb_words[2]
continue
rwatch gdb_words[1]
continue
delete
continue
EOF
timeout 60 gdb -nx -batch -x "$T/cmds" "$K" >"$T/gout" 2>&1
wait "$XP"
st=$?
steps=$(nm "$K" | awk '$3 == "gdb_steps" { print $1 }')
s0=$(printf '%x' "0x$steps")
s1=$(printf '%x' $((0x$steps + 5)))
s2=$(printf '%x' $((0x$steps + 8)))
s3=$(printf '%x' $((0x$steps + 11)))
check() { if grep -q "$1" "$T/gout"; then ok; else bad "gdb output lacks '$1'"; fi; }
check "0x100010 <_start>"
check "Breakpoint 1, kmain"
kmain=$(nm "$K" | awk '$3 == "kmain" { print $1 }')
[ -n "$kmain" ] && grep -q "^eip .*<kmain" "$T/gout" && ok || bad "eip not in kmain"
check "^at $s0\$"
check "^step1 $s1 1\$"
check "^step2 $s2 3\$"
check "^step3 $s3 6\$"
check "0x11223344	0x55667788	0x99aabbcc	0xddeeff00"
check "Hardware assisted breakpoint 3"
check "^in gdb_work v=9\$"
check "^cr0 *0x11 "
check "^Hardware watchpoint [0-9]*: gdb_words\[2\]"
check "^New value = 305419896"
check "^Hardware read watchpoint [0-9]*: gdb_words\[1\]"
check "^Value = 1432778632"
check "exited with code 023"
[ "$st" -eq 19 ] && ok || bad "xbt status $st, expected 19 ((9 << 1) | 1)"
grep -q "^steps=6 value=9$" "$T/xout" && ok || bad "guest output: $(cat "$T/xout")"
grep -q "^  breakpoint_hits  *3$" "$T/xerr" && ok || bad "--stats breakpoint_hits"
grep -q "^  watch_hits  *2$" "$T/xerr" && ok || bad "--stats watch_hits"
grep -q "^  steps  *[1-9]" "$T/xerr" && ok || bad "--stats steps"
if [ "$fails" -ne 0 ]; then cat "$T/gout"; cat "$T/xerr"; fi

# paging: the higher-half alias reads what the identity mapping does; an
# unmapped address is an error; gdb's batch end detaches, the guest runs
# on to its own exit status
K3=$G/mmu_identity_higher.elf
if [ -f "$K3" ] && start_xbt "$K3"; then
    cat >"$T/cmds3" <<EOF
set pagination off
target remote 127.0.0.1:$P
break check
continue
printf "cr0 %x\n", \$cr0
x/2xw 0xC0100000
x/2xw 0x00100000
x/xw 0xF0000000
EOF
    timeout 60 gdb -nx -batch -x "$T/cmds3" "$K3" >"$T/gout3" 2>&1
    wait "$XP"
    st=$?
    grep -q "^cr0 8" "$T/gout3" && ok || bad "paging not on at check()"
    hi=$(sed -n 's/^0xc0100000:\t//p' "$T/gout3")
    lo=$(sed -n 's/^0x100000:\t//p' "$T/gout3")
    [ -n "$hi" ] && [ "$hi" = "$lo" ] && ok || bad "alias '$hi' vs identity '$lo'"
    grep -q "Cannot access memory at address 0xf0000000" "$T/gout3" && ok ||
        bad "unmapped read did not fail"
    grep -q "detached" "$T/gout3" && ok || bad "gdb did not detach"
    [ "$st" -eq 1 ] && ok || bad "detached guest: status $st, expected 1"
    [ "$fails" -eq 0 ] || cat "$T/gout3"
fi

# a step across a fault (ud2: #UD) and INT n stops at the handler's first
# instruction (the IDT's stub), as QEMU's; the guest then passes its test
K4=$G/idt.elf
if [ -f "$K4" ] && command -v objdump >/dev/null 2>&1 && start_xbt "$K4"; then
    ud2=$(objdump -d "$K4" | awk '$0 ~ /\tud2/ { sub(":", "", $1); print $1; exit }')
    int28=$(objdump -d "$K4" | awk '$0 ~ /\tint +\$0x28/ { sub(":", "", $1); print $1; exit }')
    stub6=$(nm "$K4" | awk '$3 == "isr_stub_6" { print $1 }')
    stub40=$(nm "$K4" | awk '$3 == "isr_stub_40" { print $1 }')
    cat >"$T/cmds4" <<EOF
set pagination off
target remote 127.0.0.1:$P
break *0x$ud2
break *0x$int28
continue
stepi
printf "ud2 -> %x\n", \$pc
continue
stepi
printf "int -> %x\n", \$pc
delete
continue
EOF
    timeout 60 gdb -nx -batch -x "$T/cmds4" "$K4" >"$T/gout4" 2>&1
    wait "$XP"
    st=$?
    grep -q "^ud2 -> $(printf '%x' "0x$stub6")\$" "$T/gout4" && ok || bad "step over ud2"
    grep -q "^int -> $(printf '%x' "0x$stub40")\$" "$T/gout4" && ok || bad "step over int \$0x28"
    grep -q "^PASS: idt" "$T/xout" && [ "$st" -eq 1 ] && ok || bad "idt after gdb: status $st"
    [ "$fails" -eq 0 ] || { cat "$T/gout4"; cat "$T/xout"; }
fi

# ^C: the guest spins; a raw client (gdb's batch mode cannot send ^C)
# continues it, interrupts it (a T02 stop reply, SIGINT) and kills it
K2=$G/spin.elf
if [ -f "$K2" ] && command -v python3 >/dev/null 2>&1 && start_xbt "$K2"; then
    timeout 60 python3 -u - "$P" >"$T/rsp" 2>&1 <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
buf = b""
def byte():
    global buf
    while not buf:
        buf = s.recv(4096)
        if not buf:
            raise SystemExit("connection closed")
    b, buf = buf[:1], buf[1:]
    return b
def send(p):
    s.sendall(b"$%s#%02x" % (p, sum(p) & 255))
    while byte() != b"+":
        pass
def recv():
    while byte() != b"$":
        pass
    p = b""
    while (c := byte()) != b"#":
        p += c
    byte(); byte()
    s.sendall(b"+")
    return p
send(b"?"); print("first", recv().decode())
send(b"c"); time.sleep(0.5); s.sendall(b"\x03"); print("interrupted", recv().decode())
send(b"g"); print("regs", len(recv()))
# a breakpoint in the loop's unit, translated and chained before it was set
send(b"p8"); eip = recv()
addr = int.from_bytes(bytes.fromhex(eip.decode()), "little")
send(b"Z0,%x,1" % addr); print("Z0", recv().decode())
send(b"c"); print("hit", recv().decode())
send(b"p8"); print("same", recv() == eip)
send(b"z0,%x,1" % addr); print("z0", recv().decode())
send(b"k")
EOF
    wait "$XP"
    st=$?
    grep -q "^first T05" "$T/rsp" && ok || bad "first stop: $(cat "$T/rsp")"
    grep -q "^interrupted T02" "$T/rsp" && ok || bad "^C stop: $(cat "$T/rsp")"
    grep -q "^regs 432$" "$T/rsp" && ok || bad "g after ^C: $(cat "$T/rsp")"
    grep -q "^Z0 OK$" "$T/rsp" && grep -q "^hit T05" "$T/rsp" && grep -q "^same True$" "$T/rsp" &&
        ok || bad "breakpoint in a translated unit: $(cat "$T/rsp")"
    grep -q "^  breakpoint_hits  *1$" "$T/xerr" && ok || bad "--stats breakpoint_hits (spin)"
    grep -q "^  interrupts  *1$" "$T/xerr" && ok || bad "--stats interrupts"
    [ "$st" -eq 8 ] && ok || bad "killed xbt: status $st, expected 8"
    [ "$fails" -eq 0 ] || { cat "$T/rsp"; cat "$T/xerr"; }
fi

# -S waiting for gdb still ends on Ctrl-A x (status 8)
for try in 1 2 3 4; do
    P=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
    (sleep 1; printf '\001x') | timeout 30 "$XBT" run -S --gdb "tcp::$P" "$K" >/dev/null 2>&1
    st=$?
    [ "$st" -ne 2 ] && break # 2: the port was taken
done
[ "$st" -eq 8 ] && ok || bad "-S and Ctrl-A x: status $st, expected 8"

# bad uses: one line, status 2
for args in "--gdb 1234" "--gdb tcp::0" "--gdb tcp::99999" "--gdb tcp:notanip:1234" "-S"; do
    # shellcheck disable=SC2086
    "$XBT" run $args "$K" >/dev/null 2>"$T/err" </dev/null
    st=$?
    if [ "$st" -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ]; then ok
    else bad "'$args': status $st, stderr: $(cat "$T/err")"; fi
done
# a port in use (taken by a listening xbt)
if start_xbt "$K"; then
    "$XBT" run --gdb "tcp::$P" "$K" >/dev/null 2>"$T/err" </dev/null
    st=$?
    if [ "$st" -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "cannot listen" "$T/err"; then ok
    else bad "port in use: status $st, stderr: $(cat "$T/err")"; fi
    kill "$XP"
    wait "$XP" 2>/dev/null
fi
finish
