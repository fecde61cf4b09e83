import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldProblems, installHumanMessages, issueProblems } from './messages.ts';
import { CreateTeamBody } from './teams.ts';
import { CreateUserBody } from './users.ts';

installHumanMessages();

const problemsOf = (schema: z.ZodType, input: unknown) => {
  const result = schema.safeParse(input);
  return result.success ? [] : issueProblems(result.error.issues);
};

describe('plain-language validation messages', () => {
  it('says what is wrong in words, under the field it is about, first problem per field', () => {
    expect(
      problemsOf(CreateUserBody, {
        email: `${'a'.repeat(250)}@x.io`,
        name: '',
        role: 'boss',
        password: ' '.repeat(12),
      }),
    ).toEqual([
      { field: 'email', message: 'must be at most 254 characters' },
      { field: 'name', message: 'must not be empty' },
      { field: 'role', message: 'must be one of: admin, member' },
      { field: 'password', message: 'must be at least 10 characters, not counting spaces at either end' },
    ]);
    expect(problemsOf(CreateTeamBody, {})).toEqual([{ field: 'name', message: 'is required' }]);
    expect(problemsOf(z.strictObject({ a: z.number().max(3) }), { a: 4, b: 1 })).toEqual([
      { field: 'a', message: 'must be at most 3' },
      { field: '', message: 'is not a field here: b' },
    ]);
  });

  it("reads the API's validation answer back into fields", () => {
    expect(fieldProblems('invalid body: name: must not be empty; config.baseUrl: must be a web address')).toEqual([
      { field: 'name', message: 'must not be empty' },
      { field: 'config', message: 'must be a web address' },
    ]);
    expect(fieldProblems('invalid body: body: is required')).toEqual([{ field: '', message: 'is required' }]);
    expect(fieldProblems('wrong email or password')).toEqual([]);
  });
});
