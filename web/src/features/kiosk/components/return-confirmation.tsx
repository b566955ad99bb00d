/**
 * A large, polite confirmation over whatever the kiosk shows when a key comes back to this cabinet ("Patrol
 * car 101 is back in slot 1. Thank you."), saying when it was late or put into another slot, and when a
 * checkout was undone because its slot was not opened in time. Each message stays about 8 seconds. The live
 * region is always in the page, so a screen reader announces what appears in it.
 */
import { useCallback, useEffect, useState } from 'react';
import { type CabinetHappening, useCabinetReturns } from '../api/watch-cabinet-returns';
import { happeningInWords } from '../lib/return-words';
import './return-confirmation.css';

const SHOWN_MS = 8_000;

interface Shown {
  id: string;
  text: string;
  late: boolean;
}

export function ReturnConfirmation(props: { cabinet: string; token: string }) {
  const [shown, setShown] = useState<Shown[]>([]);
  const onHappening = useCallback((happening: CabinetHappening) => {
    const item: Shown = {
      id: `${happening.kind}:${happening.checkout}`,
      text: happeningInWords(happening),
      late: happening.kind === 'undone' || happening.late || happening.wrongSlot,
    };
    setShown((list) => [...list.filter((entry) => entry.id !== item.id), item].slice(-3));
  }, []);
  useCabinetReturns(props.cabinet, props.token, onHappening);

  // The oldest message leaves 8 s after the newest arrived; a burst of returns stays readable together.
  useEffect(() => {
    if (shown.length === 0) return;
    const timer = setTimeout(() => setShown([]), SHOWN_MS);
    return () => clearTimeout(timer);
  }, [shown]);

  return (
    <aside className="return-confirmation" aria-label="Returns at this cabinet">
      <div aria-live="polite" data-testid="return-confirmation">
        {shown.map((item) => (
          <p key={item.id} className={item.late ? 'return-message return-message-late' : 'return-message'}>
            {item.text}
          </p>
        ))}
      </div>
    </aside>
  );
}
