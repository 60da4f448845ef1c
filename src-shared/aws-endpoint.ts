import { z } from 'zod';

/** An AWS service endpoint: https, or http only to this machine (DynamoDB Local, a local IAM stand-in); never credentials in the URL. */
export const AwsEndpointSchema = z.url({ protocol: /^https?$/ }).refine((url) => {
  const parsed = new URL(url);
  return parsed.username === '' && parsed.password === '' && (parsed.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname));
}, 'an https:// endpoint (http:// only for localhost), without credentials');
