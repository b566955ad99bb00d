/**
 * The procedure's embedded stylesheet: readable on screen, and printed on A4 or Letter to pin on a wall, so
 * nothing external is loaded and sections avoid breaking across pages.
 */
export const PROCEDURE_CSS = `
:root { color-scheme: light; }
body { margin: 0; background: #fff; color: #111; font: 16px/1.5 Georgia, "Times New Roman", serif; }
main { max-width: 52rem; margin: 0 auto; padding: 2rem 1.5rem 3rem; }
h1, h2, h3 { font-family: "Helvetica Neue", Arial, sans-serif; line-height: 1.25; }
h1 { font-size: 1.9rem; margin: 0 0 0.75rem; }
h2 { font-size: 1.35rem; margin: 2rem 0 0.5rem; padding-bottom: 0.2rem; border-bottom: 2px solid #111; }
h3 { font-size: 1.1rem; margin: 1.25rem 0 0.4rem; }
p { margin: 0.4rem 0; }
ul, ol { margin: 0.4rem 0; padding-left: 1.6rem; }
li { margin: 0.2rem 0; }
ol > li::marker { font-weight: bold; }
table { border-collapse: collapse; margin: 0.5rem 0 0.75rem; width: 100%; }
th, td { border: 1px solid #444; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #eee; font-family: "Helvetica Neue", Arial, sans-serif; font-size: 0.9rem; }
table.signature td { height: 3.5rem; }
footer { margin-top: 2.5rem; padding-top: 0.75rem; border-top: 1px solid #444; }
@page { margin: 16mm; }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  th { background: #eee; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  /* A whole section can be longer than a page; keep each part (one site, one rule) together instead. */
  .part, tr, li { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  footer { break-inside: avoid; page-break-inside: avoid; }
}
`;
