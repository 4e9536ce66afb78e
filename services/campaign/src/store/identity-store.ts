import type { Knex } from "#common/db.js";
import { AppError } from "#common/errors.js";
import type { IdentityStore, Organization, User } from "../domain/identity-service.js";
import { isUniqueViolation, userFromRow, type UserRow } from "./mapping.js";

const emailTaken = () =>
  new AppError("ALREADY_EXISTS", "EMAIL_TAKEN", "an account with this email already exists", {
    violations: [{ field: "email", description: "is already registered" }],
  });

export class PgIdentityStore implements IdentityStore {
  constructor(private readonly db: Knex) {}

  async createOrganizationWithOwner(org: Organization, owner: User, passwordHash: string): Promise<void> {
    try {
      await this.db.transaction(async (trx) => {
        await trx("organizations").insert({ id: org.id, name: org.name, create_time: org.createTime });
        await trx("users").insert(userRow(owner, passwordHash));
      });
    } catch (err) {
      if (isUniqueViolation(err, "users_email_key")) throw emailTaken();
      throw err;
    }
  }

  async createUser(user: User, passwordHash: string): Promise<void> {
    try {
      await this.db("users").insert(userRow(user, passwordHash));
    } catch (err) {
      if (isUniqueViolation(err, "users_email_key")) throw emailTaken();
      throw err;
    }
  }

  async findUserByEmail(email: string): Promise<{ user: User; passwordHash: string } | null> {
    const row = await this.db<UserRow>("users").where({ email }).first();
    return row ? { user: userFromRow(row), passwordHash: row.password_hash } : null;
  }
}

function userRow(u: User, passwordHash: string): UserRow {
  return { id: u.id, organization_id: u.organizationId, email: u.email, password_hash: passwordHash, role: u.role, create_time: u.createTime };
}
