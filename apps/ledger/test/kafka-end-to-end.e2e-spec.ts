import { randomUUID } from 'node:crypto';
import { createKafkaClient } from '@ledger/kafka';
import { acquireKafkaTestBroker, readWholeTopic, type KafkaTestBroker } from '../../../libs/testing/src/kafka';
import { poll } from '@ledger/testing';
import { PATCH_OP, USER_SCHEMA, startHarness, type Harness } from './ledger-harness';

/** The service with KAFKA_BROKERS set, on the real test broker: relay out, acknowledgements in. */
describe('Kafka: the ledger published, and a downstream acknowledgement closing a leaver case', () => {
  let broker: KafkaTestBroker;
  let h: Harness;
  const prefix = `e2e-${randomUUID().slice(0, 8)}`;
  const topics = { events: `${prefix}.events`, alerts: `${prefix}.alerts`, acks: `${prefix}.acks`, dead: `${prefix}.dead` };
  const saved = { ...process.env };

  beforeAll(async () => {
    broker = await acquireKafkaTestBroker();
    Object.assign(process.env, {
      KAFKA_EVENTS_TOPIC: topics.events, KAFKA_ALERTS_TOPIC: topics.alerts, KAFKA_ACKS_TOPIC: topics.acks,
      KAFKA_DEAD_LETTER_TOPIC: topics.dead, KAFKA_ACK_GROUP_ID: `${prefix}-acks`, KAFKA_PARTITIONS: '3', KAFKA_LOG_LEVEL: 'nothing',
    });
    h = await startHarness(undefined, { env: { KAFKA_BROKERS: broker.brokers.join(',') } });
  }, 180_000);

  afterAll(async () => {
    await h?.close();
    process.env = saved;
    await broker?.release();
  });


  it('publishes SCIM changes as CloudEvents and closes a leaver case when the downstream target acknowledges', async () => {
    const { token } = await h.tenantWithToken('kafkaco');
    const policy = await h.admin('PUT', '/admin/tenants/kafkaco/sla-policy', {
      leaver: { windowSeconds: 600, severity: 'critical', scope: 'all' },
      downstreamTargets: ['hr-db'],
      routes: [{ type: 'log' }],
    });
    expect(policy.status).toBe(200);
    const user = await h.scim(token, 'POST', '/tenants/kafkaco/scim/v2/Users', { schemas: [USER_SCHEMA], userName: 'leaver@kafkaco.com' });
    await h.scim(token, 'PATCH', `/tenants/kafkaco/scim/v2/Users/${user.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });

    const openCase = await poll('the leaver case to open', async () => {
      const { body } = await h.admin('GET', '/tenants/kafkaco/sla/cases?status=open');
      return body.cases?.find((c: { kind: string }) => c.kind === 'leaver');
    });

    const kafka = createKafkaClient({ brokers: broker.brokers, clientId: `${prefix}-test`, logLevel: 'nothing' });
    const events = await poll('the relay to publish the deactivation', async () => {
      const messages = await readWholeTopic(kafka, topics.events, 10_000);
      return messages.some((m) => m.headers['ce_type']?.startsWith('io.scim-ledger.UserDeactivated')) ? messages : undefined;
    });
    const deactivated = events.find((m) => m.headers['ce_type']?.startsWith('io.scim-ledger.UserDeactivated'))!;
    expect(deactivated.key).toBe(`user-kafkaco:${user.body.id}`);
    expect(deactivated.headers).toMatchObject({ ce_specversion: '1.0', ce_source: '/tenants/kafkaco', ce_subject: `user-kafkaco:${user.body.id}` });

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topics.acks,
      messages: [{ key: 'kafkaco', value: JSON.stringify({ tenant: 'kafkaco', targetId: 'hr-db', caseId: openCase.caseId, outcome: 'applied', at: new Date().toISOString() }) }],
    });
    await producer.disconnect();

    const closed = await poll('the case to close', async () => {
      const { body } = await h.admin('GET', `/tenants/kafkaco/sla/cases/${openCase.caseId}`);
      return body.status && body.status !== 'open' ? body : undefined;
    });
    expect(closed.status).toBe('completed');
    expect(JSON.stringify(closed)).toContain('targetAcknowledged');
  }, 180_000);
});
