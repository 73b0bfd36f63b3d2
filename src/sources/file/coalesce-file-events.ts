import { debounceTime, groupBy, mergeMap, type OperatorFunction, type SchedulerLike } from 'rxjs';

/**
 * Coalesces change notifications per file: a burst of events for one path (an editor's write, rename and
 * chmod) becomes one, `quietMs` after the last; bursts for different paths do not delay each other.
 */
export function coalesceFileEvents(quietMs: number, scheduler: SchedulerLike): OperatorFunction<string, string> {
  return (paths$) => paths$.pipe(groupBy((p) => p), mergeMap((group$) => group$.pipe(debounceTime(quietMs, scheduler))));
}
