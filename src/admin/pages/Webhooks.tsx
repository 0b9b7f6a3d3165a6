import { useCallback, useEffect, useState } from 'react';
import { messagesOf, request } from '../api';
import { Field, messagesAt, unplaced, type FieldError } from '../components/Field';
import {
  WebhookCreateDocument,
  WebhookDeleteDocument,
  WebhookEnableDocument,
  WebhookReplayDocument,
  WebhookRotateDocument,
  WebhooksDocument,
  type EventType,
  type WebhooksQuery,
} from '../gql/graphql';
import { useI18n } from '../i18n';

type Endpoint = WebhooksQuery['webhookEndpoints'][number];
type Delivery = Endpoint['deliveries']['edges'][number]['node'];
const EVENT_TYPES: EventType[] = ['TIER_CHANGED', 'OVERRIDE_SET', 'OVERRIDE_REVOKED', 'OVERRIDE_EXPIRED', 'GRANT_EXPIRED', 'CUSTOMER_TIER_AT_RISK', 'PROGRAM_PUBLISHED', 'RETIER_FINISHED'];

/**
 * Webhook endpoints (integrators see their own, ADMIN every one): register one (its secret
 * shown once), enable or disable, rotate the secret, delete, and each endpoint's delivery
 * log with a replay per event.
 */
export function Webhooks({ roles }: { roles: readonly string[] }) {
  const { t } = useI18n();
  const [endpoints, setEndpoints] = useState<Endpoint[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const allowed = roles.includes('INTEGRATOR');

  const load = useCallback(async () => {
    try {
      setEndpoints((await request(WebhooksDocument)).webhookEndpoints);
      setProblem(null);
    } catch (e) {
      setProblem((e as Error).message);
    }
  }, []);
  useEffect(() => {
    if (allowed) void load();
  }, [load, allowed]);

  if (!allowed) return <p className="notice">{t.webhooksForbidden}</p>;
  /** Runs a mutation, shows its userErrors or reloads the list; answers whether it went through. */
  const act = async (run: () => Promise<{ userErrors: readonly { message: string }[] }>): Promise<boolean> => {
    try {
      const { userErrors } = await run();
      if (userErrors.length) {
        setProblem(messagesOf(userErrors));
        return false;
      }
      await load();
      return true;
    } catch (e) {
      setProblem((e as Error).message);
      return false;
    }
  };
  return (
    <section aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">{t.webhooks}</h2>
      <p className="help">{t.webhooksHelp}</p>
      <CreateEndpoint
        onCreated={async (url, created) => {
          setSecret({ url, secret: created });
          await load();
        }}
      />
      {secret && (
        <p role="status" className="notice secret">
          {t.secretOnce(secret.url)} <code>{secret.secret}</code>
        </p>
      )}
      {problem && (
        <p role="alert" className="notice">
          {problem}
        </p>
      )}
      {endpoints?.length === 0 && <p>{t.noEndpoints}</p>}
      {endpoints?.map((endpoint) => (
        <EndpointCard
          key={endpoint.id}
          endpoint={endpoint}
          onToggle={() => act(async () => (await request(WebhookEnableDocument, { id: endpoint.id, enabled: !endpoint.enabled })).webhookEndpointUpdate)}
          onRotate={async () => {
            const { webhookEndpointSecretRotate: rotated } = await request(WebhookRotateDocument, { id: endpoint.id });
            if (rotated.userErrors.length) setProblem(messagesOf(rotated.userErrors));
            else setSecret({ url: endpoint.url, secret: rotated.secret! });
            await load();
          }}
          onDelete={() => {
            if (window.confirm(t.deleteEndpointConfirm(endpoint.url))) void act(async () => (await request(WebhookDeleteDocument, { id: endpoint.id })).webhookEndpointDelete);
          }}
          onReplay={(delivery) => act(async () => (await request(WebhookReplayDocument, { endpointId: endpoint.id, eventId: delivery.eventId })).webhookEventReplay)}
          onRefresh={load}
        />
      ))}
    </section>
  );
}

function CreateEndpoint({ onCreated }: { onCreated: (url: string, secret: string) => Promise<void> }) {
  const { t } = useI18n();
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [types, setTypes] = useState<EventType[]>([]);
  const [errors, setErrors] = useState<readonly FieldError[]>([]);
  const placed = [['input', 'url'], ['input', 'description']];
  const create = async () => {
    const { webhookEndpointCreate: created } = await request(WebhookCreateDocument, { input: { url, description: description || null, types: types.length ? types : null } });
    setErrors(created.userErrors);
    if (created.userErrors.length === 0) {
      setUrl('');
      setDescription('');
      setTypes([]);
      await onCreated(url, created.secret!);
    }
  };
  return (
    <form className="webhook-create" onSubmit={(e) => (e.preventDefault(), void create())}>
      <h3>{t.registerEndpoint}</h3>
      <Field label={t.endpointUrl} problems={messagesAt(errors, ['input', 'url'])}>
        <input value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://crm.example.com/strata" required />
      </Field>
      <Field label={t.description} problems={messagesAt(errors, ['input', 'description'])}>
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </Field>
      <fieldset className="event-types">
        <legend>{t.eventTypesSent}</legend>
        {EVENT_TYPES.map((type) => (
          <label key={type}>
            <input type="checkbox" checked={types.includes(type)} onChange={(e) => setTypes(e.target.checked ? [...types, type] : types.filter((x) => x !== type))} /> {t.eventTypes[type]}
          </label>
        ))}
      </fieldset>
      {unplaced(errors, placed).map((e) => (
        <p key={e.message} role="alert" className="notice">
          {e.message}
        </p>
      ))}
      <button>{t.register}</button>
    </form>
  );
}

function EndpointCard({
  endpoint,
  onToggle,
  onRotate,
  onDelete,
  onReplay,
  onRefresh,
}: {
  endpoint: Endpoint;
  onToggle: () => Promise<boolean>;
  onRotate: () => Promise<void>;
  onDelete: () => void;
  onReplay: (delivery: Delivery) => Promise<boolean>;
  onRefresh: () => Promise<void>;
}) {
  const { t, dateTime, number } = useI18n();
  const deliveries = endpoint.deliveries.edges.map((e) => e.node);
  return (
    <article className="endpoint" data-endpoint={endpoint.url}>
      <header>
        <h3>
          <code>{endpoint.url}</code> <span className={endpoint.enabled ? 'badge ok' : 'badge off'}>{endpoint.enabled ? t.enabled : t.disabled}</span>
        </h3>
        <p className="help">
          {endpoint.description && <>{endpoint.description} · </>}
          {endpoint.types ? endpoint.types.map((type) => t.eventTypes[type]).join(', ') : t.everyEventType} · {t.registeredBy(endpoint.ownerName, dateTime(endpoint.createdAt))}
          {endpoint.previousSecretUntil && <> · {t.overlapUntil(dateTime(endpoint.previousSecretUntil))}</>}
        </p>
        {endpoint.disabledReason && <p className="notice">{endpoint.disabledReason}</p>}
        <div className="actions">
          <button className="secondary" onClick={() => void onToggle()}>
            {endpoint.enabled ? t.disable : t.enable}
          </button>
          <button className="secondary" onClick={() => void onRotate()}>
            {t.rotateSecret}
          </button>
          <button className="secondary" onClick={() => void onRefresh()}>
            {t.refresh}
          </button>
          <button className="danger" onClick={onDelete}>
            {t.delete}
          </button>
        </div>
      </header>
      {deliveries.length === 0 ? (
        <p className="help">{t.noDeliveries}</p>
      ) : (
        <table className="deliveries">
          <caption>{t.deliveryLog}</caption>
          <thead>
            <tr>
              <th>{t.event}</th>
              <th>{t.status}</th>
              <th>{t.tries}</th>
              <th>{t.lastAnswer}</th>
              <th>{t.nextTry}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <tr key={d.id} data-event={d.eventId} data-status={d.status}>
                <td>
                  {t.eventTypes[d.eventType]}
                  <br />
                  <code className="key">{d.eventId}</code>
                </td>
                <td>{t.deliveryStatus[d.status]}</td>
                <td>{number(d.attempts)}</td>
                <td>
                  {d.lastAttemptAt ? (
                    <>
                      {d.lastStatus ?? '—'} · {d.lastLatencyMs === null || d.lastLatencyMs === undefined ? '' : `${number(d.lastLatencyMs)} ms`} · {dateTime(d.lastAttemptAt)}
                      {d.lastError && <div className="error">{d.lastError}</div>}
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td>{d.status === 'PENDING' && d.nextAttemptAt ? dateTime(d.nextAttemptAt) : '—'}</td>
                <td>
                  <button className="link" onClick={() => void onReplay(d)}>
                    {t.replay}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </article>
  );
}
