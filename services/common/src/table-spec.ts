/**
 * Tables declared with a comment on the table and on every column, written to the catalog
 * (COMMENT ON), so `\d+ table` in psql explains each column where an operator looks. The type makes
 * the comment mandatory; migrations build their DDL from these specs.
 */
import type { Knex } from "./db.js";

export interface TableSpec {
  name: string;
  comment: string;
  columns: [name: string, definition: string, comment: string][];
  constraints: string[];
  /** For a partitioned table: the PARTITION BY clause, e.g. "RANGE (receive_time)". */
  partitionBy?: string;
}

/** A SQL string literal: COMMENT takes no bind parameters. The texts are ours, never user input. */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** CREATE TABLE plus a COMMENT on the table and on every column. */
export async function createTable(db: Knex, spec: TableSpec): Promise<void> {
  const body = [...spec.columns.map(([name, def]) => `${name} ${def}`), ...spec.constraints].join(",\n  ");
  const partitioning = spec.partitionBy ? ` PARTITION BY ${spec.partitionBy}` : "";
  await db.raw(`CREATE TABLE ${spec.name} (\n  ${body}\n)${partitioning}`);
  await commentTable(
    db,
    spec.name,
    spec.comment,
    spec.columns.map(([column, , comment]) => [column, comment]),
  );
}

/** COMMENT on an existing table and its columns (for tables created before specs were used). */
export async function commentTable(db: Knex, table: string, comment: string, columns: [column: string, comment: string][]): Promise<void> {
  await db.raw(`COMMENT ON TABLE ${table} IS ${literal(comment)}`);
  for (const [column, text] of columns) await db.raw(`COMMENT ON COLUMN ${table}.${column} IS ${literal(text)}`);
}

/** COMMENT on one column (a migration that changes a column says again what it holds). */
export async function commentColumn(db: Knex, table: string, column: string, comment: string): Promise<void> {
  await db.raw(`COMMENT ON COLUMN ${table}.${column} IS ${literal(comment)}`);
}
