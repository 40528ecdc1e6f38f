/**
 * The Parquet lake's codecs (`--lake-compression`), in a module of their own so that the config
 * can list them without loading DuckDB. Snappy is the default, as in DuckDB and Spark; see
 * lake.ts for what each costs.
 */
export const LAKE_COMPRESSIONS = ['snappy', 'zstd', 'lz4_raw', 'gzip', 'uncompressed'] as const;
export type LakeCompression = (typeof LAKE_COMPRESSIONS)[number];
