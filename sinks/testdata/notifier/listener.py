"""An oslo.messaging notification listener for sinks/notifier_test.go.

It listens on exchange/topic(s) with the endpoint method sample(), as
Ceilometer's notification agent listens to another Ceilometer's
notifier:// publisher, and prints one JSON line per notification:

    {"publisher_id", "event_type", "payload", "metadata",
     "verified": [verify_signature(m, secret) for m in payload]}

It also binds its own queue to <topic>.sample to read the raw AMQP messages
and prints, for each, {"raw": {...}}: routing key, properties, message keys,
and whether json.dumps gives back exactly the body and the inner oslo.message
(i.e. the publisher wrote them as Python's json does).

It prints {"ready": true} once it consumes, and exits after --count
notifications (or --timeout seconds, exit status 1). It deletes its raw
queue; the caller deletes the <topic>.sample queues.

Run with Debian's /usr/bin/python3 (python3-oslo.messaging,
python3-ceilometer).
"""

import argparse
import json
import sys
import threading
import time

import amqp
from oslo_config import cfg
import oslo_messaging

from ceilometer.publisher import utils


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--host', default='127.0.0.1:5672')
    p.add_argument('--user', default='guest')
    p.add_argument('--password', default='guest')
    p.add_argument('--vhost', default='/')
    p.add_argument('--exchange', default='ceilometer')
    p.add_argument('--topic', action='append', required=True)
    p.add_argument('--raw-queue', required=True)
    p.add_argument('--count', type=int, required=True)
    p.add_argument('--secret', required=True)
    p.add_argument('--timeout', type=float, default=60)
    a = p.parse_args()

    lock = threading.Lock()
    done = threading.Event()
    seen = [0]

    def out(obj):
        with lock:
            sys.stdout.write(json.dumps(obj) + '\n')
            sys.stdout.flush()

    class Endpoint(object):
        def sample(self, ctxt, publisher_id, event_type, payload, metadata):
            out({'publisher_id': publisher_id, 'event_type': event_type,
                 'payload': payload, 'metadata': metadata,
                 'verified': [utils.verify_signature(m, a.secret)
                              for m in payload]})
            with lock:
                seen[0] += 1
                if seen[0] >= a.count:
                    done.set()

    conf = cfg.ConfigOpts()
    conf([], project='mftest')
    vhost = '' if a.vhost == '/' else a.vhost
    url = 'rabbit://%s:%s@%s/%s' % (a.user, a.password, a.host, vhost)
    transport = oslo_messaging.get_notification_transport(conf, url=url)
    targets = [oslo_messaging.Target(exchange=a.exchange, topic=t)
               for t in a.topic]
    listener = oslo_messaging.get_notification_listener(
        transport, targets, [Endpoint()], executor='threading')
    listener.start()

    conn = amqp.Connection(host=a.host, userid=a.user, password=a.password,
                           virtual_host=a.vhost)
    conn.connect()
    ch = conn.channel()
    ch.queue_declare(a.raw_queue, durable=False, auto_delete=False)
    try:
        for t in a.topic:
            ch.queue_bind(a.raw_queue, a.exchange, t + '.sample')
        out({'ready': True})

        ok = done.wait(a.timeout)
        deadline = time.time() + 10
        raw = 0
        while raw < a.count and time.time() < deadline:
            m = ch.basic_get(a.raw_queue, no_ack=True)
            if m is None:
                time.sleep(0.05)
                continue
            raw += 1
            body = m.body.decode('utf-8') if isinstance(m.body, bytes) \
                else m.body
            env = json.loads(body)
            inner = env['oslo.message']
            msg = json.loads(inner)
            out({'raw': {
                'exchange': m.delivery_info['exchange'],
                'routing_key': m.delivery_info['routing_key'],
                'content_type': m.properties.get('content_type'),
                'content_encoding': m.properties.get('content_encoding'),
                'delivery_mode': m.properties.get('delivery_mode'),
                'headers': m.properties.get('application_headers'),
                'envelope_keys': list(env),
                'message_keys': list(msg),
                'python_identical': (json.dumps(env) == body and
                                     json.dumps(msg) == inner),
                'message': msg,
            }})
    finally:
        ch.queue_delete(a.raw_queue)
        conn.close()
        listener.stop()
        listener.wait()
        transport.cleanup()
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
