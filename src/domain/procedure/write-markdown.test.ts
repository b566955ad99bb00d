import { describe, expect, it } from 'vitest';
import { list, type ProcedureDocument, paragraph, table } from './procedure-model.js';
import { escapeMarkdown, writeMarkdown } from './write-markdown.js';

const documentOf = (blocks: ProcedureDocument['lead']): ProcedureDocument => ({
  title: 'T',
  lead: blocks,
  sections: [],
  footer: [],
});

describe('escapeMarkdown', () => {
  it.each([
    ['plain words', 'plain words'],
    ['a | b', 'a \\| b'],
    ['*bold* _em_ `code`', '\\*bold\\* \\_em\\_ \\`code\\`'],
    ['<b>x</b>', '\\<b\\>x\\</b\\>'],
    ['[a](http://x)', '\\[a\\](http://x)'],
    ['~~gone~~', '\\~\\~gone\\~\\~'],
    ['back\\slash', 'back\\\\slash'],
    ['&amp; and & alone', '\\&amp; and & alone'],
    ['two\nlines', 'two lines'],
  ])('escapes %j', (input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });
});

describe('writeMarkdown', () => {
  it('keeps policy text at the start of a block from becoming a heading or a list', () => {
    const markdown = writeMarkdown(
      documentOf([paragraph('# not a heading'), list(['1. not a number', '- dash'])]),
    );
    expect(markdown).toContain('\n\\# not a heading\n');
    expect(markdown).toContain('\n- 1\\. not a number\n- \\- dash\n');
  });

  it('indents sub-items under the text of numbered items', () => {
    const items = Array.from({ length: 10 }, (_, i) => ({ text: `step ${i + 1}`, items: ['detail'] }));
    const markdown = writeMarkdown(documentOf([list(items, true)]));
    expect(markdown).toContain('1. step 1\n   - detail\n');
    expect(markdown).toContain('10. step 10\n    - detail\n');
  });

  it('writes GFM tables with escaped cells and a filler for empty ones', () => {
    const markdown = writeMarkdown(documentOf([table(['A', 'B'], [['x|y', '']])]));
    expect(markdown).toContain('| A | B |\n| --- | --- |\n| x\\|y |   |\n');
  });
});
