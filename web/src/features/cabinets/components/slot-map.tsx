/**
 * A cabinet's slots as a grid: each slot's number, the key in it now, and its physical state in words.
 * "Released" means the key is checked out but the cabinet still reports its fob in the slot: the slot has
 * let go and the key has not been lifted yet.
 */
import type { Slot } from '../api/get-cabinet';

type SlotState = 'in' | 'released' | 'taken' | 'missing' | 'empty';

const WORDS: Record<SlotState, string> = {
  in: 'Key in',
  released: 'Released, not yet taken',
  taken: 'Taken',
  missing: 'Missing',
  empty: 'Empty',
};

export function slotState(slot: Slot): SlotState {
  if (slot.key) return 'in';
  if (slot.home?.status === 'missing') return 'missing';
  if (slot.home?.status === 'out') return slot.reported?.fob ? 'released' : 'taken';
  return 'empty';
}

export function SlotMap(props: { slots: Slot[] }) {
  return (
    <ol className="slot-map" aria-label="Slots">
      {props.slots.map((slot) => {
        const state = slotState(slot);
        const key = slot.key ?? slot.home;
        const wrongKey = slot.key && slot.home && slot.key.id !== slot.home.id;
        return (
          <li key={slot.number} className={`slot slot-${state}`} data-slot={slot.number} data-state={state}>
            <span className="slot-number">Slot {slot.number}</span>
            <span className="slot-key">{key ? key.label : '—'}</span>
            <span className="slot-state">{WORDS[state]}</span>
            {wrongKey ? (
              <span className="slot-warning">Not its home slot (home: {slot.home?.label})</span>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}
