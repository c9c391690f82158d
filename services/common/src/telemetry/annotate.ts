// Domain facts as attributes of the current span (cache hit, replica chosen, book version, …). With tracing off
// there is no active span and this costs a function call.
import { trace, type AttributeValue } from '@opentelemetry/api';

export function annotate(attributes: Record<string, AttributeValue | undefined>): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  for (const [key, value] of Object.entries(attributes))
    if (value !== undefined) span.setAttribute(key, value);
}
