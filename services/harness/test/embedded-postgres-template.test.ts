// The embedded database starts from a prepared data directory when one was kept: what the first start held when
// its template was saved is there at the next start (and nothing written after the save), and a different
// template key (other migrations or seed) does not reuse it.
import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres } from '../src/embedded-postgres';

async function sql(db: EmbeddedPostgres, text: string): Promise<unknown[]> {
  const client = new Client({ connectionString: db.url('books'), connectionTimeoutMillis: 30_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded Postgres: prepared data directories', function () {
  this.timeout(180_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bazar-pglite-template-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a second start loads the saved template: what it held when saved, nothing written after', async () => {
    const first = await EmbeddedPostgres.start(['books'], { templateDir: dir, templateKey: 'k1' });
    try {
      assert.equal(first.fromTemplates, false, 'nothing to start from yet');
      await sql(first, "CREATE TABLE seeded (title text); INSERT INTO seeded VALUES ('Xen and the Art')");
      await first.saveTemplates();
      await sql(first, "INSERT INTO seeded VALUES ('written after the save')");
    } finally {
      await first.stop();
    }
    assert.deepEqual(await readdir(dir), ['books-k1.tar'], 'one template, no partial file left');

    const second = await EmbeddedPostgres.start(['books'], { templateDir: dir, templateKey: 'k1' });
    try {
      assert.equal(second.fromTemplates, true);
      assert.deepEqual(await sql(second, 'SELECT title FROM seeded'), [{ title: 'Xen and the Art' }]);
    } finally {
      await second.stop();
    }

    const other = await EmbeddedPostgres.start(['books'], { templateDir: dir, templateKey: 'k2' });
    try {
      assert.equal(other.fromTemplates, false, 'another key starts empty');
      assert.deepEqual(await sql(other, "SELECT to_regclass('seeded') AS t"), [{ t: null }]);
    } finally {
      await other.stop();
    }
  });
});
