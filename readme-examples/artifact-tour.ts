import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { invokeAction } from 'codepipeline-handler';

export const handler = invokeAction({
  async run(job) {
    const build = job.input('BuildOutput'); // the name may be left out when there is only one input
    const entries = await build.files(); // [{ path, size, compressedSize, isDirectory }, ...]
    if (!(await build.has('reports/coverage.json'))) return job.fail('no coverage report');

    const coverage = await build.json<{ total: number }>('reports/coverage.json');
    const [title = ''] = (await build.text('CHANGELOG.md')).split('\n');
    const extracted = await build.extractTo(join(tmpdir(), `build-${job.id}`));

    let rows = 0; // a file too big for memory, piece by piece
    for await (const chunk of await build.stream('data/results.csv')) {
      rows += String(chunk).split('\n').length - 1;
    }

    await job
      .output('GateReport')
      .write({ 'report.json': JSON.stringify({ coverage: coverage.total, rows }) });
    return job.succeed({
      summary: `${title}: coverage ${coverage.total}%, ${entries.length} entries, ${extracted.files} files extracted, ${rows} rows`,
    });
  },
});
