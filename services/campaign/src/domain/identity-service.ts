import { randomUUID } from "node:crypto";
import type { Role, TokenService } from "#common/auth.js";
import { AppError, Violations } from "#common/errors.js";
import { dummyHash, hashPassword, verifyPassword } from "./password.js";

export interface Organization {
  id: string;
  name: string;
  createTime: Date;
}

export interface User {
  id: string;
  organizationId: string;
  email: string;
  role: Role;
  createTime: Date;
}

/** Persistence of organizations and users. Emails are unique across Tally, case-insensitively. */
export interface IdentityStore {
  /** Creates both in one transaction; throws ALREADY_EXISTS when the email is taken. */
  createOrganizationWithOwner(org: Organization, owner: User, passwordHash: string): Promise<void>;
  createUser(user: User, passwordHash: string): Promise<void>;
  findUserByEmail(email: string): Promise<{ user: User; passwordHash: string } | null>;
}

export interface SignedIn {
  accessToken: string;
  expireTime: Date;
  user: User;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;
const MIN_PASSWORD = 10;

function checkCredentials(v: Violations, email: string, password: string): void {
  v.check(EMAIL.test(email) && email.length <= 254, "email", "must be a valid email address");
  v.check(password.length >= MIN_PASSWORD && password.length <= 200, "password", `must be ${MIN_PASSWORD}–200 characters`);
}

export interface IdentityService {
  /** Creates a tenant and its OWNER. The role is not the caller's choice. */
  register(input: { email: string; password: string; organizationName: string }): Promise<SignedIn & { organization: Organization }>;
  /** Unknown email and wrong password answer alike, in about the same time. */
  login(input: { email: string; password: string }): Promise<SignedIn>;
  createUser(tenantId: string, input: { email: string; password: string; role: Role | "UNSPECIFIED" }): Promise<User>;
}

export interface IdentityServiceDeps {
  store: IdentityStore;
  tokens: TokenService;
  now?: () => Date;
}

export function createIdentityService({ store, tokens, now = () => new Date() }: IdentityServiceDeps): IdentityService {
  const signIn = async (user: User): Promise<SignedIn> => {
    const { token, expireTime } = await tokens.issueUserToken({ tenantId: user.organizationId, userId: user.id, role: user.role });
    return { accessToken: token, expireTime, user };
  };

  return {
    async register(input) {
      const email = input.email.trim().toLowerCase();
      const orgName = input.organizationName.trim();
      const v = new Violations();
      checkCredentials(v, email, input.password);
      v.check(orgName.length >= 1 && orgName.length <= 200, "organization_name", "must be 1–200 characters");
      v.throwIfAny();
      const at = now();
      const organization: Organization = { id: randomUUID(), name: orgName, createTime: at };
      const user: User = { id: randomUUID(), organizationId: organization.id, email, role: "OWNER", createTime: at };
      await store.createOrganizationWithOwner(organization, user, await hashPassword(input.password));
      return { ...(await signIn(user)), organization };
    },

    async login(input) {
      const v = new Violations();
      v.check(input.email.trim().length > 0, "email", "is required");
      v.check(input.password.length > 0, "password", "is required");
      v.throwIfAny();
      const found = await store.findUserByEmail(input.email.trim().toLowerCase());
      const ok = await verifyPassword(input.password, found?.passwordHash ?? (await dummyHash()));
      if (!found || !ok) throw new AppError("UNAUTHENTICATED", "INVALID_CREDENTIALS", "email or password is incorrect");
      return signIn(found.user);
    },

    async createUser(tenantId, input) {
      const email = input.email.trim().toLowerCase();
      const v = new Violations();
      checkCredentials(v, email, input.password);
      v.check(input.role !== "UNSPECIFIED", "role", "must be ROLE_OWNER, ROLE_EDITOR or ROLE_VIEWER");
      v.throwIfAny();
      const user: User = { id: randomUUID(), organizationId: tenantId, email, role: input.role as Role, createTime: now() };
      await store.createUser(user, await hashPassword(input.password));
      return user;
    },
  };
}
