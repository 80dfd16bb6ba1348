// A walk through the ARGOS Add-On (FaceAuth) API with argos-addon, against the embedded mock
// server: `node examples/quickstart.mjs`. The faces in this folder are drawings, not real people.

import { fileURLToPath } from 'node:url';

import { AuthenticationError } from 'argos-addon';
import { MockServer } from 'argos-addon/testing';

const selfie = fileURLToPath(new URL('selfie.jpg', import.meta.url));
const otherFace = fileURLToPath(new URL('other_face.jpg', import.meta.url));

const mock = await MockServer.start();
try {
  mock.addSubmission('sub0000000001', { selfie });
  console.log(`mock ARGOS at ${mock.baseUrl}`);
  // With the real API: new Client() reads ARGOS_API_KEY.
  const client = mock.client();

  const result = await client.faceAuth.submit({ submissionId: 'sub0000000001', faceImage: selfie, userId: 'user-42' });
  console.log(`submit same face   -> ${result.authStatus}, similarity ${result.score.faceSimilarityScore}`);

  const other = await client.faceAuth.submit({ submissionId: 'sub0000000001', faceImage: otherFace });
  console.log(`submit other face  -> ${other.authStatus}: ${other.failCodes[0]} (${other.rejectedComments[0]})`);

  const record = await client.faceAuth.get(result.authenticationId);
  console.log(`get                -> ${record.authId} ${record.authStatus}, created ${record.createTime.toISOString()}`);

  const ids = [];
  for await (const each of client.faceAuth.list({ pageSize: 1 })) ids.push(each.authId);
  console.log(`list (1 per page)  -> ${ids.length} records, newest first`);

  const image = await client.faceAuth.image(result.authenticationId);
  const kind = image.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff])) ? 'JPEG' : 'image';
  console.log(`image              -> ${image.length} bytes of ${kind}`);

  await client.faceAuth.delete(result.authenticationId);
  console.log(`delete             -> deleted=${(await client.faceAuth.get(result.authenticationId)).deleted}`);

  try {
    await mock.client({ apiKey: 'not-the-right-key' }).faceAuth.get(result.authenticationId);
  } catch (err) {
    if (!(err instanceof AuthenticationError)) throw err;
    console.log(`wrong key          -> ${err.name}: ${err.message} (HTTP ${err.status})`);
  }
} finally {
  await mock.stop();
}
