package testenv

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// osloNotifyTLS sends n notifications with the real oslo.messaging
// Notifier (messagingv2, exchange nova, priority info, event type
// compute.instance.update, payload {"n": i}), its rabbit driver configured
// for TLS as an OpenStack service is: [oslo_messaging_rabbit] ssl,
// ssl_ca_file, ssl_cert_file, ssl_key_file.
const osloNotifyTLS = `
import sys
from oslo_config import cfg
import oslo_messaging
url, conf_file, topic, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
conf = cfg.ConfigOpts()
conf(['--config-file', conf_file])
oslo_messaging.set_transport_defaults('nova')
transport = oslo_messaging.get_notification_transport(conf, url=url)
notifier = oslo_messaging.Notifier(transport, publisher_id='compute.tls-test', driver='messagingv2', topics=[topic])
for i in range(n):
    notifier.info({'request_id': 'req-tls-%d' % i}, 'compute.instance.update', {'n': i})
transport.cleanup()
print('sent %d' % n)
`

// OsloNotifyTLS publishes n notifications (exchange nova, routing key
// <topic>.info) with the real oslo.messaging Notifier over TLS to url
// (rabbit://user:pass@localhost:port/), trusting certs' CA and presenting
// its client certificate, as a service configured with
// [oslo_messaging_rabbit] ssl = true does. Needs Debian's
// python3-oslo.messaging; bounded to 60 s.
func OsloNotifyTLS(t testing.TB, url string, certs *Certs, topic string, n int) {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "oslo.conf")
	writeFile(t, conf, fmt.Sprintf("[oslo_messaging_rabbit]\nssl = true\nssl_ca_file = %s\nssl_cert_file = %s\nssl_key_file = %s\n",
		certs.CA, certs.ClientCert, certs.ClientKey))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "/usr/bin/python3", "-c", osloNotifyTLS, url, conf, topic, strconv.Itoa(n)).CombinedOutput()
	if err != nil {
		t.Fatalf("oslo.messaging over TLS (needs Debian's python3-oslo.messaging): %v\n%s", err, out)
	}
	t.Logf("oslo.messaging over TLS: %s", strings.TrimSpace(string(out)))
}
