package launcher

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/altisair/altis/pkg/events"
)

const kafkaTopicsTimeout = 15 * time.Second

func (f *Fleet) useKafka(ctx context.Context) error {
	if brokers := lookupEnv(f.o.Environ, envKafka); brokers != "" {
		f.con.say("kafka: using %s", envKafka)
		f.info.KafkaBrokers = strings.Split(brokers, ",")
		return nil
	}
	port, err := FreePort()
	if err != nil {
		return err
	}
	addr, err := f.startKafka(port)
	if err != nil {
		return err
	}
	f.info.KafkaBrokers = []string{addr}
	f.info.Addrs["kafka"] = addr
	return ensureTopics(ctx, addr, f.settings.kafka.Partitions, events.Topics())
}

// startKafka runs the embedded Kafka-protocol broker in this process, its
// log kept in the state folder.
func (f *Fleet) startKafka(port int) (string, error) {
	dir := f.statePath("kafka")
	if _, err := os.Stat(dir); err == nil {
		f.con.say("kafka: embedded broker, reusing %s", f.rel(dir))
	} else {
		f.con.say("kafka: embedded broker, new log in %s", f.rel(dir))
	}
	c, err := kfake.NewCluster(kfake.Ports(port), kfake.DataDir(dir),
		kfake.SeedTopics(f.settings.kafka.Partitions, events.Topics()...))
	if err != nil {
		return "", fmt.Errorf("start embedded kafka broker on port %d: %w", port, err)
	}
	f.addBackend("kafka", func() error { c.Close(); return nil })
	return localAddr(port), nil
}

// ensureTopics creates topics a reused log does not have yet (the list may
// have grown since). It doubles as the broker's readiness check.
func ensureTopics(ctx context.Context, broker string, partitions int32, topics []string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker))
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, kafkaTopicsTimeout)
	defer cancel()
	resps, err := kadm.NewClient(cl).CreateTopics(ctx, partitions, 1, nil, topics...)
	if err != nil {
		return fmt.Errorf("create kafka topics on %s within %s: %w", broker, kafkaTopicsTimeout, err)
	}
	for _, r := range resps.Sorted() {
		if r.Err != nil && !errors.Is(r.Err, kerr.TopicAlreadyExists) {
			return fmt.Errorf("create kafka topic %s: %w", r.Topic, r.Err)
		}
	}
	return nil
}
