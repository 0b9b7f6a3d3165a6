import { setImmediate } from 'node:timers/promises';
import { ApolloServerPlugin } from '@apollo/server';
import { FormattedExecutionResult } from 'graphql';
import { Context } from '../context';
import { currentRequestId } from '../shared/request-id';

/**
 * The largest answer one request may build. The cost limit bounds the work; this bounds
 * what it can add up to, since stored values (facts, grants, documents) are priced by
 * count, not size. The largest explanation answers 1.5 MB, 500 customers' entitlements
 * well under 1 MB.
 */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** How Apollo writes an answer by default (`prettyJSONStringify`), fields in its order. */
const write = (result: FormattedExecutionResult) => JSON.stringify({ errors: result.errors, data: result.data, extensions: result.extensions }) + '\n';

const size = (bytes: number) => (bytes >= 1_048_576 ? `${(bytes / 1_048_576).toFixed(1)} MB` : `${Math.ceil(bytes / 1_024)} kB`);

/**
 * Refuses an answer larger than `maxBytes` (`RESPONSE_TOO_LARGE`, HTTP 400) instead of
 * sending it. The answer is written once, in a turn of the event loop of its own (a large
 * one takes milliseconds): `stringifyResult` sends the text the plugin measured.
 */
export function responseSizeLimit(maxBytes = MAX_RESPONSE_BYTES) {
  const written = new WeakMap<object, { result: FormattedExecutionResult; text: string }>();
  const plugin: ApolloServerPlugin<Context> = {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single' || !response.body.singleResult.data) return;
          // After every other plugin has added its extensions.
          await setImmediate();
          const result = response.body.singleResult;
          const text = write(result);
          const bytes = Buffer.byteLength(text);
          if (bytes <= maxBytes) {
            written.set(result.data!, { result, text });
            return;
          }
          response.body.singleResult = {
            errors: [
              {
                message: `this answer would be ${size(bytes)}; one answer may hold at most ${size(maxBytes)} (ask for fewer items per page, fewer customers or fewer fields)`,
                extensions: { code: 'RESPONSE_TOO_LARGE', requestId: currentRequestId() },
              },
            ],
            extensions: result.extensions,
          };
          response.http.status = 400;
        },
      };
    },
  };
  const stringifyResult = (value: FormattedExecutionResult): string => {
    const measured = value.data ? written.get(value.data) : undefined;
    const same = measured && measured.result.errors === value.errors && measured.result.extensions === value.extensions;
    return same ? measured.text : write(value);
  };
  return { plugin, stringifyResult };
}
