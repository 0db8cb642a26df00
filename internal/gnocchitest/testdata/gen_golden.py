"""Record what Ceilometer 19's Gnocchi publisher sends for the golden corpus.

Run with Debian's python3-ceilometer (1:19.0.0-3) from the repository root:

    /usr/bin/python3 internal/gnocchitest/testdata/gen_golden.py \
        testdata/ceilometer-19-shipped.jsonl \
        internal/gnocchitest/testdata/ceilometer-19-gnocchi.jsonl

For every case of the corpus with samples or events, the real
GnocchiPublisher (shipped gnocchi_resources.yaml, URL "gnocchi://", no
oslo.cache) publishes them to a mocked gnocchiclient whose first batch call
answers 400 "Unknown resources" for every resource, so that the publisher
also creates them. One line per case:

    {"name": ..., "samples": {"batch": measures of the last batch call,
                              "creates": [[type, body], ...],
                              "updates": [[type, id, body], ...]}
                  or {"error": "TypeError: ..."},
     "events": {"creates": ..., "updates": ..., "searches": [[type, query]]}}

Event updates that set ended_at carry "<now>" for Ceilometer's utcnow().
Cases where the publisher does nothing with the events have no "events".
"""
import copy
import json
import logging
import sys
from unittest import mock
from urllib import parse as urlparse

from gnocchiclient import exceptions as gnocchi_exc

from ceilometer import sample as sample_mod
from ceilometer import service
from ceilometer.event import models
from ceilometer.publisher import gnocchi


def make_publisher(conf):
    with mock.patch('ceilometer.keystone_client.get_client') as ks, \
            mock.patch('ceilometer.gnocchi_client.get_gnocchiclient') as gc:
        # No project is Gnocchi's own: nothing is filtered.
        ks.return_value.projects.find.return_value.id = 'no-such-project'
        pub = gnocchi.GnocchiPublisher(conf, urlparse.urlparse('gnocchi://'))
    return pub, gc.return_value


def record_samples(conf, samples):
    pub, client = make_publisher(conf)
    batches, creates, updates = [], [], []

    def batch(measures, create_metrics):
        batches.append(copy.deepcopy(measures))
        if len(batches) == 1 and measures:
            raise gnocchi_exc.BadRequest(400, {
                'cause': 'Unknown resources',
                'detail': [{'resource_id': rid, 'original_resource_id': rid}
                           for rid in measures]})

    client.metric.batch_resources_metrics_measures.side_effect = batch
    client.resource.create.side_effect = (
        lambda rtype, body: creates.append([rtype, copy.deepcopy(body)]))
    client.resource.update.side_effect = (
        lambda rtype, rid, body: updates.append([rtype, rid,
                                                 copy.deepcopy(body)]))
    # publish_samples logs and swallows what batch_measures raises; a
    # TypeError from sorting mixed resource ids escapes.
    try:
        pub.publish_samples([sample_mod.Sample(**s) for s in samples])
    except Exception as e:
        return {'error': '%s: %s' % (type(e).__name__, e)}
    return {'batch': batches[-1] if batches else None,
            'creates': creates, 'updates': updates}


def record_events(conf, events):
    pub, client = make_publisher(conf)
    creates, updates, searches = [], [], []
    client.resource.create.side_effect = (
        lambda rtype, body: creates.append([rtype, copy.deepcopy(body)]))

    def update(rtype, rid, body):
        body = copy.deepcopy(body)
        if 'ended_at' in body:
            body['ended_at'] = '<now>'
        updates.append([rtype, rid, body])

    client.resource.update.side_effect = update

    def search(rtype, query):
        searches.append([rtype, query])
        return []

    client.resource.search.side_effect = search
    evs = [models.Event(e['message_id'], e['event_type'], e['generated'],
                        [models.Trait(t['name'], t['dtype'], t['value'])
                         for t in e['traits']], e.get('raw', {}))
           for e in events]
    pub.publish_events(evs)
    if not (creates or updates or searches):
        return None
    return {'creates': creates, 'updates': updates, 'searches': searches}


def main():
    conf = service.prepare_service([], [])
    logging.disable(logging.CRITICAL)
    with open(sys.argv[1]) as f, open(sys.argv[2], 'w') as out_f:
        for line in f:
            case = json.loads(line)
            if not case['samples'] and not case['events']:
                continue
            out = {'name': case['name']}
            if case['samples']:
                out['samples'] = record_samples(conf, case['samples'])
            if case['events']:
                events = record_events(conf, case['events'])
                if events:
                    out['events'] = events
            out_f.write(json.dumps(out, sort_keys=True) + '\n')


if __name__ == '__main__':
    main()
