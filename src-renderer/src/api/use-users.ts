import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { UserLookup } from '../../../src-shared/users';
import { wardenClient } from './warden-client';

/**
 * What the store knows of a typed user name (exact, resolved by case or e-mail, or close
 * matches). Main answers from a directory it caches; typing waits `delayMs` before asking.
 */
export function useUserLookup(text: string, options: { enabled?: boolean; delayMs?: number } = {}) {
  const typed = useSettled(text.trim(), options.delayMs ?? 0);
  return useQuery<UserLookup>({
    queryKey: ['users', 'lookup', typed],
    queryFn: () => wardenClient.users.lookup({ text: typed }),
    enabled: (options.enabled ?? true) && typed.length > 0 && typed.length <= 256,
    staleTime: 15_000,
  });
}

/** The value once it has stopped changing for `delayMs` (at once when 0). */
function useSettled(value: string, delayMs: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    if (delayMs === 0) {
      setSettled(value);
      return;
    }
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return delayMs === 0 ? value : settled;
}

/** "alice (19 live)" */
export function liveLabel(live: number): string {
  return `${live.toLocaleString('en-US')} live`;
}
