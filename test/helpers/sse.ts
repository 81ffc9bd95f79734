// Server-Sent Events as a client reads them: parsed events, and a reader of a streamed response.

export interface SseEvent {
  id: number | null;
  event: string;
  data: Record<string, unknown>;
}

/** The events (blocks with data) of a complete SSE text; comment lines are skipped. */
export function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.split('\n').some((line) => line.startsWith('data:')))
    .map((block) => {
      const lines = block.split('\n');
      const field = (name: string) =>
        lines
          .find((line) => line.startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim();
      const id = field('id');
      return {
        id: id === undefined ? null : Number(id),
        event: field('event') ?? 'message',
        data: JSON.parse(field('data')!) as Record<string, unknown>,
      };
    });
}

/**
 * Reads an SSE response over real HTTP until its end, or until `stopAfter` events, when it aborts
 * `controller` (the request's) and answers what it read.
 */
export async function readSse(response: Response, stopAfter = Infinity, controller?: AbortController): Promise<SseEvent[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const events: SseEvent[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return events;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        events.push(...parseSse(buffer.slice(0, end + 2)));
        buffer = buffer.slice(end + 2);
        if (events.length >= stopAfter) {
          controller?.abort();
          return events;
        }
      }
    }
  } catch (error) {
    if (controller?.signal.aborted) return events;
    throw error;
  }
}
