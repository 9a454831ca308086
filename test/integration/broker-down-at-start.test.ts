// A broker that is down when the service starts: the service waits (retrying with backoff, not ready,
// no crash) and starts consuming by itself once the broker is up.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config';
import { StreamService } from '../../src/service/stream-service';
import { startLocalBroker, type LocalBroker } from '../../src/source/kafka/local-broker';
import { testKafka, waitFor } from './support/kafka-io';

describe('broker down at start', { timeout: 180_000 }, () => {
  let broker: LocalBroker;
  before(async () => { broker = await startLocalBroker(); });
  after(async () => { await broker?.stop(); });

  it('the service waits, is not ready, does not crash, and consumes once the broker is back', async () => {
    await broker.stop({ removeData: false });
    const config = loadConfig({
      argv: [
        '--kafka.inputTopics=down-in', '--kafka.predictionsTopic=down-pred', '--kafka.deadLetterTopic=down-dlq', '--kafka.groupId=down',
        '--kafka.createTopicsPartitions=1', '--input.values=tokens', '--input.target=explicit', '--model.inputSize=5', '--model.outputSize=5',
        '--model.head=softmax', '--model.hiddenSize=8', '--truncation.mode=fixed', '--truncation.k0=4', '--training.batchStreams=1',
        '--training.engine=ts',
      ],
      env: {}, cwd: process.cwd(),
    });
    const warnings: string[] = [];
    let fatal: Error | undefined;
    const service = new StreamService(config, { log: (level, m) => { if (level === 'warn') warnings.push(m); }, fatal: (e) => { fatal = e; } });
    let started = false;
    const starting = service.start([broker.bootstrap]).then(() => { started = true; });
    await waitFor(() => warnings.some((w) => w.includes('unreachable')), 60_000, () => warnings.join(' | '));
    assert.equal(service.ready, false, 'not ready while the broker is down');
    assert.equal(started, false);
    assert.equal(fatal, undefined);

    await broker.launch();
    await starting;
    await waitFor(() => service.ready, 60_000, () => JSON.stringify(service.status));
    const producer = testKafka(broker.bootstrap).producer();
    await producer.connect();
    await producer.send({ topic: 'down-in', messages: Array.from({ length: 40 }, (_, t) => ({ key: 'k', value: JSON.stringify({ x: t % 5, y: (t + 1) % 5 }) })) });
    await producer.disconnect();
    await waitFor(() => service.status.predictionsPublished >= 40, 60_000, () => JSON.stringify(service.status));
    await service.stop();
    assert.equal(fatal, undefined);
  });
});
