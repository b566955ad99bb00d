import { describe, expect, it } from 'vitest';
import { list, paragraph, part, table } from './procedure-model.js';
import { escapeHtml, writeHtml } from './write-html.js';

describe('escapeHtml', () => {
  it.each([
    ['plain', 'plain'],
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['"quoted" & \'single\'', '&quot;quoted&quot; &amp; &#39;single&#39;'],
    ['&amp;', '&amp;amp;'],
  ])('escapes %j', (input, expected) => {
    expect(escapeHtml(input)).toBe(expected);
  });
});

describe('writeHtml', () => {
  it('escapes text in every kind of block', () => {
    const hostile = '<b onclick="x">';
    const page = writeHtml({
      title: hostile,
      lead: [paragraph([hostile, { strong: hostile }])],
      sections: [
        {
          title: hostile,
          blocks: [
            list([{ text: hostile, items: [hostile] }], true),
            table([hostile], [[hostile]]),
            part(hostile, []),
          ],
        },
      ],
      footer: [{ kind: 'signature', fields: [hostile] }],
    });
    expect(page).not.toContain('<b ');
    expect(page.match(/&lt;b onclick=&quot;x&quot;&gt;/g)).toHaveLength(11);
  });
});
