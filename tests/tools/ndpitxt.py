"""Read ndpiReader's per-flow text output (-v 2) and zhulan's flow JSON.

Both give (l4, end, end, vlan) keys with the ends unordered, so flows from
the two tools can be matched whatever side each calls the source.
"""
import json
import re

FLOW_RE = re.compile(
    r'^\s*\d+\s+(?P<l4>\S+)\s+(?P<a>\[[^\]]+\]|[^\s:]+):(?P<pa>\d+)\s+<?->\s+'
    r'(?P<b>\[[^\]]+\]|[^\s:]+):(?P<pb>\d+)\s+(?:\[VLAN: (?P<vlan>\d+)\])?'
    r'\[proto: [^/\]]*/(?P<app>[^\]]+)\]')
CONF_RE = re.compile(r'\[Confidence: ([^\]]+)\]')
CAT_RE = re.compile(r'\[cat: ([^/\]]+)/\d+\]')
HOST_RE = re.compile(r'\[Hostname/SNI: ([^\]]*)\]')


def ndpi_patch(s):
    """ndpiReader prints every ":0:" of an IPv6 address as "::"."""
    out, i = [], 0
    while i < len(s):
        if s[i] == ':' and s[i + 1:i + 3] == '0:':
            out.append('::')
            i += 3
        else:
            out.append(s[i])
            i += 1
    return ''.join(out)


def flow_key(l4, a, pa, b, pb, vlan=0):
    x, y = (a.strip('[]').lower(), int(pa)), (b.strip('[]').lower(), int(pb))
    return (l4.upper(), min(x, y), max(x, y), int(vlan or 0))


def parse_ndpireader(text):
    """Flows of `ndpiReader -v 2` output: list of dicts."""
    flows = []
    for line in text.splitlines():
        m = FLOW_RE.match(line)
        if not m:
            continue
        conf = CONF_RE.search(line)
        cat = CAT_RE.search(line)
        host = HOST_RE.search(line)
        flows.append({
            'key': flow_key(m['l4'], m['a'], m['pa'], m['b'], m['pb'], m['vlan']),
            'app': m['app'],
            'confidence': conf.group(1) if conf else 'Unknown',
            'category': cat.group(1) if cat else '',
            'host': host.group(1) if host else '',
        })
    return flows


def parse_zhulan(text):
    """Flows of `zhulan --flows-json`: list of dicts with a 'key' added."""
    flows = []
    for line in text.splitlines():
        j = json.loads(line)
        j['key'] = flow_key(j['proto'], ndpi_patch(j['src_ip']), j['src_port'],
                            ndpi_patch(j['dst_ip']), j['dst_port'], j['vlan'])
        flows.append(j)
    return flows
