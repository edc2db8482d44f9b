// A gate written from scratch, the way a user of the framework would: it reads
// release notes from the source artifact and refuses a release whose notes are
// missing, unfinished, or lack the sections the team agreed on.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { ConfigurationError, invokeAction } from '../src/index.js';

// zod/mini keeps the bundle small but has no error messages of its own: load the
// English ones, so a bad UserParameters is explained, not just "Invalid input".
z.config(en());

const nonEmpty = z.string().check(z.minLength(1));

// Every field has a default, so the action may leave UserParameters out.
const params = z.prefault(
  z.strictObject({
    /** Input artifact with the notes; defaults to the action's only input. */
    artifact: z.optional(nonEmpty),
    file: z._default(nonEmpty, 'release-notes.md'),
    /** `## <heading>` sections that must be present and not empty. */
    requiredSections: z._default(z.array(nonEmpty), ['Changes']),
    /** Markers of unfinished notes. */
    forbidden: z._default(z.array(nonEmpty), ['TODO', 'TBD', 'FIXME']),
  }),
  {},
);

export const handler = invokeAction({
  params,
  async run(job) {
    const { artifact, file, requiredSections, forbidden } = job.params;
    const input = job.input(artifact);
    if (!(await input.has(file))) {
      throw new ConfigurationError(`${file} is not in the ${input.name} artifact`);
    }
    const notes = await input.text(file);

    const title = /^#\s+(.+)$/m.exec(notes)?.[1]?.trim();
    const sections = sectionsOf(notes);
    const problems: string[] = [];
    if (!title) problems.push('it has no "# " title line');
    for (const wanted of requiredSections) {
      const body = sections.get(wanted.toLowerCase());
      if (body === undefined) problems.push(`section "## ${wanted}" is missing`);
      else if (body.trim() === '') problems.push(`section "## ${wanted}" is empty`);
    }
    for (const marker of forbidden) {
      const line = notes.split('\n').findIndex((text) => text.includes(marker));
      if (line >= 0) problems.push(`line ${line + 1} still says ${marker}`);
    }

    if (problems.length > 0) {
      return job.fail(`${file} is not ready: ${problems.join('; ')}`);
    }
    return job.succeed({
      summary: `${file}: "${title}", ${sections.size} sections, none unfinished`,
      outputVariables: { releaseTitle: title ?? '' },
    });
  },
});

/** `## Heading` -> the text up to the next `## ` heading, keyed by lower-cased heading. */
function sectionsOf(markdown: string): Map<string, string> {
  const sections = new Map<string, string>();
  const parts = markdown.split(/^##\s+/m).slice(1);
  for (const part of parts) {
    const [heading = '', ...body] = part.split('\n');
    sections.set(heading.trim().toLowerCase(), body.join('\n'));
  }
  return sections;
}
