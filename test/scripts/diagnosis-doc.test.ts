import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CATALOGUE } from '../../lambda/core/diagnose/catalogue.ts';
import { DIAGNOSIS_CODES } from '../../lambda/core/diagnose/types.ts';
import { renderDiagnosisDoc } from '../../scripts/diagnosis-doc.ts';

describe('docs/diagnosis.md', () => {
  it('is what the catalogue renders (regenerate: npx tsx scripts/diagnosis-doc.ts)', () => {
    const doc = readFileSync(new URL('../../docs/diagnosis.md', import.meta.url), 'utf8');
    assert.equal(doc, renderDiagnosisDoc());
  });

  it('documents every code with its severity and every remediation step', () => {
    const doc = renderDiagnosisDoc();
    for (const code of DIAGNOSIS_CODES) {
      assert.ok(doc.includes(`### \`${code}\` — ${CATALOGUE[code].severity}`), code);
      for (const step of CATALOGUE[code].remediation)
        assert.ok(doc.includes(step.text), `${code}: ${step.text}`);
    }
  });
});
