#!/bin/bash
# read_errors.sh - what `zhulan --read` says and returns for bad input:
# a missing file, a directory, an empty file, a text file, an unsupported
# link type (exit 2, one line naming the file and the reason), and a
# truncated capture (exit 1, a warning naming where it stopped, every flow
# before the cut still written).
. "$(dirname "$0")/lib.sh"

run() { # run FILE -> sets st, err (stderr), out (json)
	"$ZHULAN" -q --read "$1" --flows-json "$WORK/out.json" 2>"$WORK/err"
	st=$?
	err=$(cat "$WORK/err")
}

run "$WORK/nope.pcap"
ok $(( st != 2 )) "missing file: exit 2 (got $st)"
echo "$err" | grep -q "nope.pcap: No such file or directory"; ok $? "missing file: names file and reason: $err"
ok $(( $(echo "$err" | wc -l) != 1 )) "missing file: one line"

run "$WORK"
ok $(( st != 2 )) "directory: exit 2"
echo "$err" | grep -q "is a directory"; ok $? "directory: says so: $err"

: > "$WORK/empty.pcap"
run "$WORK/empty.pcap"
ok $(( st != 2 )) "empty file: exit 2"
echo "$err" | grep -q "empty.pcap: empty file"; ok $? "empty file: says so: $err"

printf 'GET / HTTP/1.1\r\nHost: example\r\n\r\n' > "$WORK/text.pcap"
run "$WORK/text.pcap"
ok $(( st != 2 )) "text file: exit 2"
echo "$err" | grep -q "text.pcap: not a pcap or pcapng capture"; ok $? "text file: says it is not a capture: $err"

# classic pcap header, little endian, link type 147 (USER0)
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x93\x00\x00\x00' > "$WORK/user0.pcap"
run "$WORK/user0.pcap"
ok $(( st != 2 )) "link type 147: exit 2"
echo "$err" | grep -q "user0.pcap: unsupported link type 147"; ok $? "link type 147: names it: $err"

# A truncated capture: the agreement capture cut in the middle of a record.
$ZLGEN agree "$WORK/full.pcap" >/dev/null
"$ZHULAN" -q --read "$WORK/full.pcap" --flows-json "$WORK/full.json"
ok $? "whole capture reads with exit 0"
size=$(stat -c %s "$WORK/full.pcap")
head -c $((size * 2 / 3)) "$WORK/full.pcap" > "$WORK/cut.pcap"
run "$WORK/cut.pcap"
ok $(( st != 1 )) "truncated capture: exit 1 (got $st)"
echo "$err" | grep -q "warning: .*cut.pcap: stopped after packet [0-9]* (byte offset [0-9]*)"
ok $? "truncated capture: warning names where it stopped: $err"
full=$(wc -l < "$WORK/full.json"); cut=$(wc -l < "$WORK/out.json")
ok $(( cut == 0 || cut > full )) "truncated capture: flows before the cut written ($cut of $full)"
# every flow written from the cut file starts inside the part that was read
$PYTHON3 - "$WORK/full.json" "$WORK/out.json" <<'PY'
import json, sys
full = {(j['src_ip'], j['src_port'], j['dst_ip'], j['dst_port'], j['proto'], j['vlan']) for j in map(json.loads, open(sys.argv[1]))}
cut = [json.loads(l) for l in open(sys.argv[2])]
bad = [j for j in cut if (j['src_ip'], j['src_port'], j['dst_ip'], j['dst_port'], j['proto'], j['vlan']) not in full]
sys.exit(1 if bad else 0)
PY
ok $? "truncated capture: every flow written is a flow of the whole file"

# stdout output with "-"
"$ZHULAN" -q --read "$WORK/full.pcap" --flows-json - > "$WORK/stdout.json"
cmp -s "$WORK/stdout.json" "$WORK/full.json"; ok $? "--flows-json - writes the same lines to stdout"
done_testing
