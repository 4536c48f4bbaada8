import { DurableObject } from 'cloudflare:workers';

export interface Env {
  EXECUTOR_RELAY: DurableObjectNamespace<ExecutorRelay>;
  SIGNING_KEY: string;
}

/** One instance per executor id; routes relay frames by stream_id. */
export class ExecutorRelay extends DurableObject<Env> {}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/healthz') return Response.json({ ok: true });
    return Response.json({ error: { code: 'not_found', message: `no route for ${url.pathname}` } }, { status: 404 });
  },
} satisfies ExportedHandler<Env>;
