#!/usr/bin/python3
"""The flow engine benchmark (see tests/bench/run)."""
import os, re, resource, subprocess, sys, time

OUT = sys.argv[1]
ZHULAN = os.environ['ZHULAN']
NDPI = os.environ.get('NDPIREADER') or '/usr/bin/ndpiReader'
SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKETS = int(os.environ.get('ZL_BENCH_PACKETS', 2000000))
FLOWS = int(os.environ.get('ZL_BENCH_FLOWS', 200000))
ROUNDS = int(os.environ.get('ZL_BENCH_ROUNDS', 3))
CPU = os.environ.get('ZL_BENCH_CPU', '1')

def measure(cmd):
    """Like run(), with the peak RSS of this command alone (wait4)."""
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execvp('taskset', ['taskset', '-c', CPU] + cmd)
    _, status, ru = os.wait4(pid, 0)
    secs = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f'bench: {" ".join(cmd)} failed with {os.waitstatus_to_exitcode(status)}')
    return secs, ru.ru_maxrss

def main():
    cap = os.path.join(OUT, f'bench-{PACKETS}-{FLOWS}.pcap')
    if not os.path.exists(cap):
        print(f'generating {cap} ({PACKETS} packets, {FLOWS} flows)...', flush=True)
        subprocess.run(['/usr/bin/python3', os.path.join(SRC, 'gen', 'zlgen.py'), 'bench', cap,
                        '--packets', str(PACKETS), '--flows', str(FLOWS)], check=True,
                       stdout=subprocess.DEVNULL)
    size = os.path.getsize(cap)
    r = subprocess.run([ZHULAN, '--read', cap], capture_output=True, text=True)
    npk = int(re.search(r'^packets: (\d+)', r.stderr, re.M).group(1))
    nfl = int(re.search(r'^flows: (\d+)', r.stderr, re.M).group(1))
    print(f'capture: {size / 1e6:.0f} MB, {npk} packets, {nfl} flows (zhulan)')
    print(f'one core (taskset -c {CPU}), {ROUNDS} alternating rounds, best of each:\n')

    zl = [ZHULAN, '-q', '--read', cap]
    zd = zl + ['--incidents-json', os.devnull]
    z6 = zl + ['--dns-answers']
    nd = [NDPI, '-q', '-i', cap]
    rd = [os.path.join(OUT, 'pcapread'), cap]
    best = {'zhulan': (1e9, 0), 'zhulan+detectors': (1e9, 0), 'zhulan+dns answers': (1e9, 0),
            'ndpiReader': (1e9, 0), 'pcap read only': (1e9, 0)}
    for i in range(ROUNDS):
        for name, cmd in (('zhulan', zl), ('zhulan+detectors', zd), ('zhulan+dns answers', z6),
                          ('ndpiReader', nd), ('pcap read only', rd)):
            secs, rss = measure(cmd)
            print(f'  round {i + 1} {name:15s} {secs:7.2f} s  {npk / secs / 1e6:6.2f} Mpkt/s  peak RSS {rss / 1024:7.1f} MiB', flush=True)
            if secs < best[name][0]:
                best[name] = (secs, rss)
    z, n, c = best['zhulan'], best['ndpiReader'], best['pcap read only']
    print()
    print(f'{"":16s} {"packets/s":>12s} {"peak RSS MiB":>13s}')
    for name, (secs, rss) in best.items():
        print(f'{name:16s} {npk / secs:12.0f} {rss / 1024:13.1f}')
    print()
    print(f'zhulan / ndpiReader packets/s: {n[0] / z[0]:.2f}x   (target >= 3x)')
    print(f'zhulan / ndpiReader peak RSS:  {z[1] / n[1]:.2f}')
    print(f'zhulan share of the read-only ceiling: {100 * c[0] / z[0]:.0f}%')
    zd_ = best['zhulan+detectors']
    cost = 100 * (1 - z[0] / zd_[0])
    print(f'incident detectors: zhulan --read {npk / z[0]:,.0f} packets/s without, '
          f'{npk / zd_[0]:,.0f} with them: ratio {z[0] / zd_[0]:.3f}, cost {cost:.1f}% of '
          f'packets/s (target <= 10%: {"met" if cost <= 10 else "NOT MET"}), '
          f'{(zd_[1] - z[1]) / 1024:+.1f} MiB peak RSS')
    z6_ = best['zhulan+dns answers']
    print(f'IPv6 measurement (DNS answers read) cost: {100 * (1 - z[0] / z6_[0]):.1f}% of '
          f'packets/s   (target <= 5%)')
    sweep_bench()

    # Memory per classified flow: every flow kept to the end of the file
    # against a run whose flows expire, difference over the extra flows held.
    r = subprocess.run([ZHULAN, '--no-idle-timeout', '--read', cap], capture_output=True, text=True)
    held = int(re.search(r'^flows: (\d+)', r.stderr, re.M).group(1))
    keep = measure([ZHULAN, '-q', '--no-idle-timeout', '--max-flows', str(held), '--read', cap])
    small = measure([ZHULAN, '-q', '--max-flows', '1024', '--read', cap])
    per = (keep[1] - small[1]) * 1024 / max(1, held - 1024)
    print(f'\nmemory per classified flow held: {per:.0f} bytes '
          f'({held} flows held: peak RSS {keep[1] / 1024:.1f} MiB vs {small[1] / 1024:.1f} MiB '
          f'with a 1024-flow table; target <= 512)')
    print(f'=> a million concurrent flows: about {per * 1e6 / 2**20:.0f} MiB (target < 600 MB)')

def sweep_bench():
    """The detectors' memory under a SYN sweep of a /16: their state is per
    source and capped, so it must not grow with the 65,536 targets."""
    cap = os.path.join(OUT, 'sweep16.pcap')
    if not os.path.exists(cap):
        subprocess.run(['/usr/bin/python3', os.path.join(SRC, 'gen', 'zlgen.py'), 'sweep', cap],
                       check=True, stdout=subprocess.DEVNULL)
    plain = measure([ZHULAN, '-q', '--read', cap])
    det = measure([ZHULAN, '-q', '--read', cap, '--incidents-json', os.devnull])
    r = subprocess.run([ZHULAN, '-q', '--read', cap, '--incidents-json', '-'],
                       capture_output=True, text=True)
    line = [l for l in r.stderr.splitlines() if l.startswith('incidents:')]
    print(f'\n/16 SYN sweep (65,536 targets): peak RSS {plain[1] / 1024:.1f} MiB without the detectors, '
          f'{det[1] / 1024:.1f} MiB with them ({(det[1] - plain[1]) / 1024:+.1f} MiB); '
          f'{line[0] if line else "?"}')
    print(f'  incidents: {r.stdout.count(chr(10))}')

if __name__ == '__main__':
    main()
