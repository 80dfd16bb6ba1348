// The quickstart in TypeScript, against the embedded mock server; run it from the repository root
// (e.g. `npx tsx examples/quickstart.ts`). The faces in this folder are drawings.

import { AuthenticationError, type Client, type FaceAuthRecord } from 'argos-addon';
import { MockServer } from 'argos-addon/testing';

const SUBMISSION = 'sub0000000001';

async function walk(client: Client): Promise<void> {
  const result = await client.faceAuth.submit({ submissionId: SUBMISSION, faceImage: 'examples/selfie.jpg', userId: 'user-42' });
  console.log(`submit same face   -> ${result.authStatus}, similarity ${result.score.faceSimilarityScore}`);

  const other = await client.faceAuth.submit({ submissionId: SUBMISSION, faceImage: 'examples/other_face.jpg' });
  console.log(`submit other face  -> ${other.authStatus}: ${other.failCodes.join(', ')}`);

  const record: FaceAuthRecord = await client.faceAuth.get(result.authenticationId);
  console.log(`get                -> ${record.authId} ${record.authStatus}, created ${record.createTime?.toISOString()}`);

  const ids: string[] = [];
  for await (const each of client.faceAuth.list({ pageSize: 1 })) ids.push(each.authId);
  console.log(`list (1 per page)  -> ${ids.length} records, newest first`);

  const image: Buffer = await client.faceAuth.image(result.authenticationId);
  console.log(`image              -> ${image.length} bytes`);

  await client.faceAuth.delete(result.authenticationId);
  console.log(`delete             -> deleted=${(await client.faceAuth.get(result.authenticationId)).deleted}`);
}

async function main(): Promise<void> {
  const mock = await MockServer.start();
  try {
    mock.addSubmission(SUBMISSION, { selfie: 'examples/selfie.jpg' });
    // With the real API: new Client() reads ARGOS_API_KEY.
    await walk(mock.client());
    try {
      await mock.client({ apiKey: 'not-the-right-key' }).faceAuth.listPage();
    } catch (err) {
      if (!(err instanceof AuthenticationError)) throw err;
      console.log(`wrong key          -> ${err.name}: ${err.message} (HTTP ${err.status})`);
    }
  } finally {
    await mock.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
