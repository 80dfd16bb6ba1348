// A walk through the whole ARGOS Add-On (FaceAuth) API with argos-addon: `node examples/quickstart.mjs`.
//
// Runs against the embedded mock server by default. With ARGOS_API_KEY and ARGOS_SUBMISSION_ID
// (and optionally ARGOS_FACE_IMAGE) set, it talks to the real API instead and skips the steps
// only a mock can do. The faces in this folder are drawings, not real people.

import { fileURLToPath } from 'node:url';

import { AuthenticationError, Client, decryptQuery, encryptQuery, parseWebhook } from 'argos-addon';
import { MockServer } from 'argos-addon/testing';

const selfie = fileURLToPath(new URL('selfie.jpg', import.meta.url));
const otherFace = fileURLToPath(new URL('other_face.jpg', import.meta.url));
const real = Boolean(process.env.ARGOS_API_KEY && process.env.ARGOS_SUBMISSION_ID);

const mock = real ? null : await MockServer.start();
try {
  let client;
  let submissionId;
  if (mock) {
    mock.addSubmission('sub0000000001', { selfie });
    console.log(`mock ARGOS at ${mock.baseUrl}`);
    client = mock.client();
    submissionId = 'sub0000000001';
  } else {
    client = new Client(); // ARGOS_API_KEY, ARGOS_BASE_URL
    submissionId = process.env.ARGOS_SUBMISSION_ID;
  }
  const key = mock ? mock.apiKey : process.env.ARGOS_API_KEY;
  const face = process.env.ARGOS_FACE_IMAGE ?? selfie;

  const result = await client.faceAuth.submit({ submissionId, faceImage: face, userId: 'user-42' });
  console.log(`submit same face   -> ${result.authStatus}, similarity ${result.score.faceSimilarityScore}`);

  if (mock) {
    const other = await client.faceAuth.submit({ submissionId, faceImage: otherFace });
    console.log(`submit other face  -> ${other.authStatus}: ${other.failCodes[0]} (${other.rejectedComments[0]})`);
  }

  const record = await client.faceAuth.get(result.authenticationId);
  console.log(`get                -> ${record.authId} ${record.authStatus}, created ${record.createTime?.toISOString()}`);

  const ids = [];
  for await (const each of client.faceAuth.list({ pageSize: 1 })) ids.push(each.authId);
  console.log(`list (1 per page)  -> ${ids.length} records, newest first`);

  const image = await client.faceAuth.image(result.authenticationId);
  const kind = image.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff])) ? 'JPEG' : 'image';
  console.log(`image              -> ${image.length} bytes of ${kind}`);

  if (mock) {
    await client.faceAuth.delete(result.authenticationId);
    console.log(`delete             -> deleted=${(await client.faceAuth.get(result.authenticationId)).deleted}`);
  }

  const projectId = mock ? mock.projectId : (process.env.ARGOS_PROJECT_ID ?? 'your-project-id');
  const url = client.faceAuthUrl({ projectId, submissionId, userId: 'user-42', token: 'tok_abcdefgh' });
  console.log(`face auth URL      -> ${url.slice(0, 64)}...`);
  const encrypted = new URL(url).searchParams.get('encrypted');
  console.log(`  decrypted        -> ${JSON.stringify(decryptQuery(encrypted, key))}`);

  for (const [version, body] of webhookSamples(key)) {
    const hook = parseWebhook(body, { apiKey: key });
    console.log(`webhook ${version.padEnd(10)} -> v${hook.version} auth ${hook.authId} ${hook.authStatus} user ${hook.userId}`);
  }

  if (mock) {
    try {
      await mock.client({ apiKey: 'not-the-right-key' }).faceAuth.get(result.authenticationId);
    } catch (err) {
      if (!(err instanceof AuthenticationError)) throw err;
      console.log(`wrong key          -> ${err.name}: ${err.message} (HTTP ${err.status})`);
    }
  }
} finally {
  await mock?.stop();
}

/** One `faceAuth` webhook body per published version, and an encrypted one. */
function webhookSamples(key) {
  const v3 = {
    webhook_trigger: 'faceAuth',
    data: {
      Submission_id: 'sub0000000001',
      Auth_Status: 'approved',
      Create_Time: '2024-05-01T10:00:00.000Z',
      Auth_User_id: 'user-42',
      Token_id: 'tok_abcdefgh',
      reference: { userid: 'ref-user', email: 'ref@example.com', cf: { cf1: 'a' } },
      Authentication_id: 'auth000000001',
    },
  };
  const v2 = {
    webhook_trigger: 'faceAuth',
    Authentication_id: 'auth000000002',
    data: { Submission_id: 'sub0000000001', Auth_Status: 'rejected', User_id: 'user-7', cf1: 'x' },
  };
  const v1 = {
    webhook_trigger: 'faceAuth',
    auth_id: 'auth000000003',
    data: { submission_id: 'sub0000000001', auth_status: 'approved', user_id: 'user-1' },
  };
  return [
    ['v3', JSON.stringify(v3)],
    ['v2', JSON.stringify(v2)],
    ['v1', JSON.stringify(v1)],
    ['encrypted', JSON.stringify({ data: encryptQuery(v3, key) })],
  ];
}
