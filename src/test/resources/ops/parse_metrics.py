"""Parses Prometheus text exposition from stdin with Prometheus's own Python parser (Debian's
python3-prometheus-client) and prints what it read, tab-separated: 'family NAME TYPE' and
'sample NAME k=v,k=v VALUE' lines (labels sorted); exits 1 with the reasons when a family lacks HELP or TYPE or a
histogram's buckets are not cumulative, and the parser itself raises on text that is not exposition format."""
import sys

from prometheus_client.parser import text_string_to_metric_families

text = sys.stdin.read()
families = {}
problems = []
for family in text_string_to_metric_families(text):
    if family.type == 'unknown':
        problems.append('%s: no TYPE line' % family.name)
    if not family.documentation:
        problems.append('%s: no HELP line' % family.name)
    samples = [[s.name, s.labels, s.value] for s in family.samples]
    if family.type == 'histogram':
        series = {}
        for name, labels, value in samples:
            key = tuple(sorted((k, v) for k, v in labels.items() if k != 'le'))
            series.setdefault(key, {'buckets': [], 'count': None})
            if name.endswith('_bucket'):
                series[key]['buckets'].append((float(labels['le']), value))
            elif name.endswith('_count'):
                series[key]['count'] = value
        for key, s in series.items():
            bounds = [b for b, _ in s['buckets']]
            counts = [c for _, c in s['buckets']]
            if bounds != sorted(bounds) or bounds[-1] != float('inf'):
                problems.append('%s%s: buckets not in order or no +Inf' % (family.name, key))
            if any(b > a for a, b in zip(counts[1:], counts)):
                problems.append('%s%s: bucket counts decrease: %s' % (family.name, key, counts))
            if s['count'] != counts[-1]:
                problems.append('%s%s: _count %s != +Inf bucket %s' % (family.name, key, s['count'], counts[-1]))
    families[family.name] = {'type': family.type, 'help': family.documentation, 'samples': samples}
if problems:
    print('\n'.join(problems))
    sys.exit(1)
for name, family in families.items():
    print('family\t%s\t%s' % (name, family['type']))
    for sample, labels, value in family['samples']:
        print('sample\t%s\t%s\t%r' % (sample, ','.join('%s=%s' % kv for kv in sorted(labels.items())), value))
