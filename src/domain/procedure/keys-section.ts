/** "Keys": each key group with its sensitivity, and where each of its keys hangs. */
import type { KeyGroupFile } from '../policy/policy-file.js';
import type { NameBook } from './name-book.js';
import { type Block, paragraph, part, type Section, table } from './procedure-model.js';

/**
 * The section listing key groups and their keys.
 * @example buildKeysSection(book).blocks.length // one part per key group, plus the introduction
 */
export function buildKeysSection(book: NameBook): Section {
  return {
    title: 'Keys',
    blocks: [
      paragraph(
        'Every key hangs in a numbered slot of a cabinet. The cabinet opens only the slot of the key that was granted.',
      ),
      ...book.policy.keyGroups.map((group) => describeGroup(book, group)),
    ],
  };
}

function describeGroup(book: NameBook, group: KeyGroupFile): Block {
  const sensitivity = group.sensitivity ?? 'normal';
  const keys = book.policy.keys.filter((key) => key.group === group.id);
  const blocks: Block[] = [paragraph(`Sensitivity: ${sensitivity}.`)];
  if (keys.length === 0) blocks.push(paragraph('No keys in this group yet.'));
  else
    blocks.push(
      table(
        ['Key', 'Cabinet', 'Site', 'Slot'],
        keys.map((key) => [
          // A key more or less sensitive than its group says so, where a reader looks for it.
          key.sensitivity && key.sensitivity !== sensitivity
            ? `${key.label} (sensitivity: ${key.sensitivity})`
            : key.label,
          book.cabinetName(key.cabinet),
          book.siteOfKey(key)?.name ?? '',
          String(key.slot),
        ]),
      ),
    );
  return part(`${group.name} (${sensitivity})`, blocks);
}
