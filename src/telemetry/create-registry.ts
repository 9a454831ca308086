import { Registry } from 'prom-client';

/** A fresh metrics registry (one per service instance, injected into the catalog and the HTTP server). */
export function createRegistry(): Registry {
  return new Registry();
}
