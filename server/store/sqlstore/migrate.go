package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"

	"github.com/usersecrets/coder/server/store"
)

const (
	versionTable = "goose_db_version"  // where goose records applied migrations
	legacyTable  = "schema_migrations" // where older releases' loader did, a row per version
)

// migrate applies through goose, under the dialect's lock (SQLite: each
// migration's write transaction), the migrations the database lacks, and
// records them for AppliedMigrations. A newer binary's database is refused.
func (s *Store) migrate(ctx context.Context) error {
	if err := s.adoptLegacyVersions(ctx); err != nil {
		return fmt.Errorf("adopt %s: %w", legacyTable, err)
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if s.d.Locker != nil {
		opts = append(opts, goose.WithSessionLocker(s.d.Locker))
	}
	migrations, err := fs.Sub(s.d.Migrations, "migrations")
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	p, err := goose.NewProvider(s.d.Goose, s.sqlDB, migrations, opts...)
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	sources := p.ListSources()
	latest := sources[len(sources)-1].Version
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > latest {
		return fmt.Errorf("database schema version %d is newer than this binary supports (latest %d)", current, latest)
	}
	results, err := p.Up(ctx)
	if err != nil && !errors.Is(err, goose.ErrNoNextVersion) {
		return fmt.Errorf("apply migrations: %w", err)
	}
	s.applied = nil
	for _, r := range results {
		s.applied = append(s.applied, path.Base(r.Source.Path))
	}
	return nil
}

// adoptLegacyVersions moves the versions that the loader of older releases
// recorded into goose's table and drops its table, in one write transaction
// under the dialect's MigrationLock (concurrent starts adopt once): goose
// then applies only newer migrations, and an older binary refuses the database.
func (s *Store) adoptLegacyVersions(ctx context.Context) error {
	gs, err := database.NewStore(s.d.Goose, versionTable)
	if err != nil {
		return err
	}
	// goose's store writes through database/sql: so does this transaction
	// (on SQLite, BEGIN IMMEDIATE takes the write lock).
	tx, err := s.sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	c := conn{s, sqlQuerier{tx}}
	if s.d.MigrationLock != "" {
		if _, err := c.exec(ctx, s.d.MigrationLock); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
	}
	if err := c.exists(ctx, s.d.TableExists, legacyTable); err != nil {
		return ignoreNotFound(err)
	}
	versions, err := all(ctx, c, func(r Row) (v int64, err error) {
		err = r.Scan(&v)
		return v, err
	}, `SELECT version FROM `+legacyTable+` ORDER BY version`)
	if err != nil {
		return err
	}
	if err := gs.CreateVersionTable(ctx, tx); err != nil {
		return err
	}
	for _, v := range append([]int64{0}, versions...) {
		if err := gs.Insert(ctx, tx, database.InsertRequest{Version: v}); err != nil {
			return err
		}
	}
	if _, err := c.exec(ctx, `DROP TABLE `+legacyTable); err != nil {
		return err
	}
	return tx.Commit()
}

func ignoreNotFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}
