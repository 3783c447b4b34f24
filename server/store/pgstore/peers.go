package pgstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/usersecrets/coder/server/store"
)

// The processes sharing a database hear each other's broadcasts over
// LISTEN/NOTIFY (store.Peers). A notification alone cannot empty a cache
// in time: it may reach a process after that process has answered the
// next request from its cache. So a process is live (may read what the
// broadcasts keep current) only under a lease, and a broadcast waits for
// every leaseholder's acknowledgement or for the end of its lease.
//
//   - Lease. Every renewEvery, a process upserts its row of server_peers
//     (expires_at = now() + lease) and, in the same statement, notifies
//     itself with a ping. When its listening connection receives the ping,
//     sent at local time t, it is live until t + lease. PostgreSQL delivers
//     notifications in commit order, so by then it has handled every
//     broadcast committed before the ping. The row expires no earlier than
//     the local lease ends (the database's now() is read after t).
//   - Broadcast. After the change has committed, the sender reads the rows
//     not yet expired (its own excepted), notifies them, and waits for each
//     one's acknowledgement, sent on the acknowledgement channel once its
//     handler has run, or for the row's expires_at. A process that joins
//     after the read joined after the change: what it reads is current.
//   - Loss. A process whose listening connection fails is not live from
//     then on; it connects again, LISTENs, calls Reset (it may have missed
//     broadcasts) and is live again at its next ping.
//
// A crashed process's row makes broadcasts wait until it expires (at most
// lease); Close deletes the row.
const (
	peersChannel = "usersecrets_peers"
	acksChannel  = "usersecrets_peer_acks"

	peerLease      = 2 * time.Second
	peerRenewEvery = 400 * time.Millisecond
	// peerMargin is added to a row's expiry before a sender stops waiting
	// for it (clock reading and scheduling).
	peerMargin = 50 * time.Millisecond
	// peerReportEvery bounds how often one failing loop (renewal,
	// listening) reports while the database stays unreachable.
	peerReportEvery = 10 * time.Second
)

// errorGate passes on the first error of a run of failures, then at most
// one per every, saying how many it held back; a success ends the run.
// One goroutine uses each gate.
type errorGate struct {
	every time.Duration
	last  time.Time // when the run's last error was passed on; zero: no run
	held  int
}

// fail returns the error to report now, or nil to hold err back.
func (g *errorGate) fail(now time.Time, err error) error {
	if !g.last.IsZero() && now.Sub(g.last) < g.every {
		g.held++
		return nil
	}
	if g.held > 0 {
		err = fmt.Errorf("%w (and %d more failures in the last %s)", err, g.held, now.Sub(g.last).Round(time.Second))
	}
	g.last, g.held = now, 0
	return err
}

// ok ends a run of failures.
func (g *errorGate) ok() { g.last, g.held = time.Time{}, 0 }

// peers is the store.Peers of one process.
type peers struct {
	pool *pgxpool.Pool
	id   uuid.UUID
	h    store.PeerHandlers

	lease, renewEvery time.Duration

	start time.Time // monotonic base of liveUntil and pings
	// liveUntil is when the lease ends, in nanoseconds since start.
	liveUntil atomic.Int64

	mu sync.Mutex
	// pings are the renewals not yet heard, by nonce: when each was sent.
	pings  map[string]time.Duration
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// JoinPeers starts this process's lease and listener (store.PeerJoiner).
func (d pgDB) JoinPeers(ctx context.Context, h store.PeerHandlers) (store.Peers, error) {
	return joinPeers(ctx, d.pool, h, peerLease, peerRenewEvery)
}

func joinPeers(ctx context.Context, pool *pgxpool.Pool, h store.PeerHandlers, lease, renewEvery time.Duration) (*peers, error) {
	if h.Message == nil || h.Reset == nil {
		return nil, errors.New("join peers: Message and Reset are required")
	}
	if h.Error == nil {
		h.Error = func(error) {}
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p := &peers{
		pool: pool, id: uuid.New(), h: h,
		lease: lease, renewEvery: renewEvery,
		start: time.Now(), pings: map[string]time.Duration{},
		cancel: cancel,
	}
	// Rows that crashed processes left: long expired, harmless, dropped.
	if _, err := pool.Exec(ctx, `DELETE FROM server_peers WHERE expires_at < now() - interval '1 hour'`); err != nil {
		cancel()
		return nil, fmt.Errorf("join peers: %w", err)
	}
	p.done.Add(2)
	go p.listen(ctx)
	go p.renew(ctx)
	return p, nil
}

func (p *peers) since() time.Duration { return time.Since(p.start) }

func (p *peers) Live() bool { return int64(p.since()) < p.liveUntil.Load() }

// notLive ends the lease at once.
func (p *peers) notLive() { p.liveUntil.Store(math.MinInt64) }

func nonce() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// renew upserts the row and pings the listener every renewEvery.
func (p *peers) renew(ctx context.Context) {
	defer p.done.Done()
	t := time.NewTicker(p.renewEvery)
	defer t.Stop()
	gate := errorGate{every: peerReportEvery}
	for {
		n := nonce()
		p.mu.Lock()
		now := p.since()
		for k, at := range p.pings {
			if at+p.lease < now { // unheard (no listener then): useless
				delete(p.pings, k)
			}
		}
		p.pings[n] = now
		p.mu.Unlock()
		rctx, cancel := context.WithTimeout(ctx, p.lease)
		_, err := p.pool.Exec(rctx, `WITH r AS (
				INSERT INTO server_peers (id, expires_at) VALUES ($1, now() + $2 * interval '1 millisecond')
				ON CONFLICT (id) DO UPDATE SET expires_at = EXCLUDED.expires_at RETURNING id)
			SELECT pg_notify($3, $4) FROM r`,
			p.id, p.lease.Milliseconds(), peersChannel, "p "+p.id.String()+" "+n)
		cancel()
		if err != nil {
			p.mu.Lock()
			delete(p.pings, n)
			p.mu.Unlock()
			if ctx.Err() != nil {
				return
			}
			if err := gate.fail(time.Now(), err); err != nil {
				p.h.Error(fmt.Errorf("renew the lease: %w", err))
			}
		} else {
			gate.ok()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// listen keeps a listening connection and handles what it hears.
func (p *peers) listen(ctx context.Context) {
	defer p.done.Done()
	backoff := 50 * time.Millisecond
	gate := errorGate{every: peerReportEvery}
	for ctx.Err() == nil {
		began := time.Now()
		err := p.listenOnce(ctx)
		p.notLive()
		if ctx.Err() != nil {
			return
		}
		if time.Since(began) > peerReportEvery {
			gate.ok() // it listened a while: a new failure, a short wait
			backoff = 50 * time.Millisecond
		}
		if err := gate.fail(time.Now(), err); err != nil {
			p.h.Error(fmt.Errorf("listen: %w", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
}

func (p *peers) listenOnce(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, p.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+peersChannel); err != nil {
		return err
	}
	// Whatever was cached may be older than a broadcast missed while not
	// listening; everything read from now on sees it.
	p.h.Reset()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		kind, rest, _ := strings.Cut(n.Payload, " ")
		from, rest, _ := strings.Cut(rest, " ")
		nonce, msg, _ := strings.Cut(rest, " ")
		if from != p.id.String() {
			if kind == "m" {
				p.h.Message(msg)
				if _, err := conn.Exec(ctx, `SELECT pg_notify($1, $2)`, acksChannel, nonce+" "+p.id.String()); err != nil {
					return err
				}
			}
			continue
		}
		if kind != "p" {
			continue
		}
		p.mu.Lock()
		sent, ok := p.pings[nonce]
		for k, at := range p.pings {
			if at <= sent {
				delete(p.pings, k)
			}
		}
		p.mu.Unlock()
		if ok && int64(sent+p.lease) > p.liveUntil.Load() {
			p.liveUntil.Store(int64(sent + p.lease))
		}
	}
}

// Broadcast tells the other live processes msg and waits for them.
func (p *peers) Broadcast(ctx context.Context, msg string) error {
	rows, err := p.pool.Query(ctx, `SELECT id, EXTRACT(EPOCH FROM expires_at - now())::float8
		FROM server_peers WHERE expires_at > now() AND id <> $1`, p.id)
	if err != nil {
		return fmt.Errorf("broadcast: %w", err)
	}
	read := time.Now()
	wait := map[string]time.Time{}
	for rows.Next() {
		var id uuid.UUID
		var left float64
		if err := rows.Scan(&id, &left); err != nil {
			rows.Close()
			return fmt.Errorf("broadcast: %w", err)
		}
		wait[id.String()] = read.Add(time.Duration(left*float64(time.Second)) + peerMargin)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("broadcast: %w", err)
	}
	if len(wait) == 0 {
		return nil
	}
	c, err := p.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("broadcast: %w", err)
	}
	conn := c.Conn()
	healthy := false
	defer func() {
		if !healthy {
			// Unknown state (a wait cut short): never back to the pool.
			_ = conn.Close(context.WithoutCancel(ctx))
		}
		c.Release()
	}()
	n := nonce()
	b := &pgx.Batch{}
	b.Queue("LISTEN " + acksChannel)
	b.Queue(`SELECT pg_notify($1, $2)`, peersChannel, "m "+p.id.String()+" "+n+" "+msg)
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("broadcast: %w", err)
	}
	for len(wait) > 0 {
		var last time.Time
		now := time.Now()
		for id, until := range wait {
			if !now.Before(until) {
				delete(wait, id) // its lease has ended: it is not live unheard
				continue
			}
			if until.After(last) {
				last = until
			}
		}
		if len(wait) == 0 {
			break
		}
		wctx, cancel := context.WithDeadline(ctx, last)
		note, err := conn.WaitForNotification(wctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("broadcast: %w", ctx.Err())
			}
			if !time.Now().Before(last) {
				return nil // every lease still waited for has ended
			}
			return fmt.Errorf("broadcast: %w", err)
		}
		if got, from, _ := strings.Cut(note.Payload, " "); got == n {
			delete(wait, from)
		}
	}
	if _, err := conn.Exec(ctx, "UNLISTEN "+acksChannel); err != nil {
		return fmt.Errorf("broadcast: %w", err)
	}
	healthy = true
	return nil
}

// Close stops the lease and the listener and deletes the row.
func (p *peers) Close() error {
	p.cancel()
	p.done.Wait()
	p.notLive()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := p.pool.Exec(ctx, `DELETE FROM server_peers WHERE id = $1`, p.id)
	return err
}
