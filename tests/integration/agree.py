#!/usr/bin/python3
"""Compare zhulan --read with ndpiReader on one capture; print TAP.

Without the application pack every flow ndpiReader reports must be present
in zhulan's output with the same application. With the pack, a flow may be
named more precisely (TLS -> TLS.Douyin): each such flow is listed as the
pack's doing, and must be a name of the pack.
"""
import collections, os, subprocess, sys

sys.path.insert(0, os.path.join(os.environ['top_srcdir'], 'tests', 'tools'))
import ndpitxt

ZHULAN = os.environ['ZHULAN']
NDPI = os.environ['NDPIREADER']
cap = sys.argv[1]
n = failed = 0

def ok(cond, msg):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print(('ok' if cond else 'not ok'), n, '-', msg)

def zhulan(*extra):
    r = subprocess.run([ZHULAN, '-q', '--read', cap, '--flows-json', '-', *extra],
                       capture_output=True, text=True)
    ok(r.returncode == 0, f'zhulan {" ".join(extra)} exits 0')
    by = collections.defaultdict(list)
    for f in ndpitxt.parse_zhulan(r.stdout):
        by[f['key']].append(f)
    return by

r = subprocess.run([NDPI, '-q', '-i', cap, '-v', '2'], capture_output=True, text=True)
ok(r.returncode == 0, 'ndpiReader exits 0')
ref = ndpitxt.parse_ndpireader(r.stdout)
apps = collections.Counter(f['app'].split('.')[0] for f in ref)
print('# ndpiReader:', len(ref), 'flows;', dict(apps))
for want in ('DNS', 'HTTP', 'TLS', 'QUIC', 'SSH', 'BitTorrent', 'ICMP', 'ICMPV6'):
    ok(apps[want] > 0, f'the capture has {want} flows that ndpiReader names')
ok(any(':' in f['key'][1][0] for f in ref), 'the capture has IPv6 flows')
ok(any(f['key'][3] for f in ref), 'the capture has VLAN-tagged flows')

plain = zhulan('--no-app-pack')
for f in ref:
    got = [g['app'] for g in plain.get(f['key'], [])]
    ok(f['app'] in got, f"{f['key'][0]} {f['key'][1]} {f['key'][2]} vlan {f['key'][3]}: "
       f"ndpiReader {f['app']}, zhulan {'/'.join(got) or 'missing'}")

pack_names = set()
with open(os.path.join(os.environ['ZHULAN_DATADIR'], 'zhulan-protos.txt')) as fp:
    for line in fp:
        if '@' in line and not line.lstrip().startswith('#'):
            pack_names.add(line.strip().rsplit('@', 1)[1])
packed = zhulan()
renamed = 0
for f in ref:
    got = [g['app'] for g in packed.get(f['key'], [])]
    if f['app'] in got:
        continue
    better = [a for a in got if a.split('.')[-1] in pack_names]
    if better:
        renamed += 1
        print(f"# pack names a flow ndpiReader cannot: {f['key'][1]} {f['key'][2]}: "
              f"ndpiReader {f['app']} ({f['host']}), zhulan {better[0]}")
        ok(True, f"{f['host'] or f['key']}: named {better[0]} by the Chinese application pack")
    else:
        ok(False, f"with the pack: {f['key']}: ndpiReader {f['app']}, zhulan {'/'.join(got) or 'missing'}")
ok(renamed > 0, f'the pack names {renamed} flows that ndpiReader leaves as plain TLS/HTTP/DNS/QUIC')
print(f'1..{n}')
sys.exit(1 if failed else 0)
