// Package intel keeps secbrief's vulnerability intelligence: CISA's Known
// Exploited Vulnerabilities catalog and FIRST's EPSS scores, refreshed in
// the background, and the CVSS score, title and advisory of each CVE a
// story names, looked up in the background from its CVE JSON 5 record
// (CVE Services), else from NVD's CVE API 2.0. Everything is kept in the
// store and read from there only: Lookup never calls the network, and a
// source that is down leaves its last data in place (Status says how old).
//
// All fetches go through the client given to New, which callers build with
// the SSRF guard (article.NewClient); each source has its own body limit.
// Refreshes claim a job in the store ("intel:kev", "intel:epss",
// "intel:cve:<id>"), so processes sharing a PostgreSQL store do each once.
package intel

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/secbrief/secbrief/internal/clock"
	"github.com/secbrief/secbrief/internal/defaults"
	"github.com/secbrief/secbrief/news"
)

// Defaults of zero Options fields: those of the intel.* keys.
const (
	DefaultKEVURL      = defaults.IntelKEVURL
	DefaultEPSSURL     = defaults.IntelEPSSURL
	DefaultCVEURL      = defaults.IntelCVEURL
	DefaultNVDURL      = defaults.IntelNVDURL
	DefaultKEVRefresh  = defaults.IntelKEVRefresh
	DefaultEPSSRefresh = defaults.IntelEPSSRefresh
	DefaultCVSSTTL     = defaults.IntelCVSSTTL

	// DefaultKEVMaxBytes caps the KEV catalog (1.3 MB in 2025).
	DefaultKEVMaxBytes = 16 << 20
	// DefaultEPSSMaxBytes caps the EPSS file after decompression (about
	// 10 MB for 300,000 rows), and before.
	DefaultEPSSMaxBytes = 64 << 20
	// DefaultRecordMaxBytes caps one CVE record or NVD answer.
	DefaultRecordMaxBytes = 4 << 20
	// DefaultQueue is how many wanted CVEs may wait for a lookup; more
	// are dropped until the queue drains (they are wanted again later).
	DefaultQueue = 1024
)

// NVD's published rate limits: 5 requests in a rolling 30 s window without
// an API key, 50 with one. A limiter of one token refilled every 30 s / n
// never exceeds n in any 30 s.
const (
	nvdWindow     = 30 * time.Second
	nvdPerWindow  = 5
	nvdKeyPerWind = 50
)

// retryFailed is how soon a failed KEV or EPSS refresh is tried again
// (never later than the source's refresh interval).
const retryFailed = 10 * time.Minute

// waitClaimed is how long a process waits before looking again when
// another process holds a source's refresh.
const waitClaimed = time.Minute

// Store is what the service keeps in the store (*storage.Store).
type Store interface {
	Claim(ctx context.Context, key string) (bool, error)
	Release(ctx context.Context, key string) error
	IntelSource(ctx context.Context, source string) (news.SourceStatus, error)
	IntelSources(ctx context.Context) ([]news.SourceStatus, error)
	SaveIntelSource(ctx context.Context, st news.SourceStatus) error
	ReplaceKEV(ctx context.Context, cat news.KEVCatalog, st news.SourceStatus) (int, error)
	ReplaceEPSS(ctx context.Context, set news.EPSSSet, st news.SourceStatus) (int, error)
	SaveCVERecord(ctx context.Context, rec news.CVERecord) error
	CVEIntel(ctx context.Context, ids []string) (map[string]news.CVEIntel, error)
	KEVAdded(ctx context.Context, since time.Time, limit int) ([]news.KEVEntry, error)
	KEVProducts(ctx context.Context, prefix string, limit int) ([]news.KEVProduct, error)
}

// Clock is the service's time source (default the wall clock); tests pass
// internal/fakeclock.
type Clock interface {
	Now() time.Time
	// NewTimer returns a channel that receives once d has passed, and a
	// function that stops the timer.
	NewTimer(d time.Duration) (c <-chan time.Time, stop func() bool)
}

// Options configure a Service (the intel.* keys). Zero fields take the
// defaults above.
type Options struct {
	// Disabled turns everything off (intel.enabled false): Run returns at
	// once, Want drops, Lookup and the others find nothing.
	Disabled bool
	// KEVURL, EPSSURL are the catalog and the day's EPSS file; CVEURL and
	// NVDURL are URL templates in which {id} stands for the CVE id.
	KEVURL  string
	EPSSURL string
	CVEURL  string
	NVDURL  string
	// NVDAPIKey is sent as the apiKey header to NVD and raises its rate
	// limit; never logged.
	NVDAPIKey string
	// KEVRefresh and EPSSRefresh are the time between two refreshes;
	// CVSSTTL is how long a looked-up record is kept before it is looked
	// up again when wanted.
	KEVRefresh  time.Duration
	EPSSRefresh time.Duration
	CVSSTTL     time.Duration
	// Body limits, after decompression.
	KEVMaxBytes    int64
	EPSSMaxBytes   int64
	RecordMaxBytes int64
	// Queue is how many wanted CVEs may wait for a lookup.
	Queue int
	Clock Clock
}

func (o Options) withDefaults() Options {
	str := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	str(&o.KEVURL, DefaultKEVURL)
	str(&o.EPSSURL, DefaultEPSSURL)
	str(&o.CVEURL, DefaultCVEURL)
	str(&o.NVDURL, DefaultNVDURL)
	dur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	dur(&o.KEVRefresh, DefaultKEVRefresh)
	dur(&o.EPSSRefresh, DefaultEPSSRefresh)
	dur(&o.CVSSTTL, DefaultCVSSTTL)
	size := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	size(&o.KEVMaxBytes, DefaultKEVMaxBytes)
	size(&o.EPSSMaxBytes, DefaultEPSSMaxBytes)
	size(&o.RecordMaxBytes, DefaultRecordMaxBytes)
	if o.Queue <= 0 {
		o.Queue = DefaultQueue
	}
	if o.Clock == nil {
		o.Clock = clock.Wall{}
	}
	return o
}

// Service refreshes and serves vulnerability intelligence. Its methods are
// safe for concurrent use.
type Service struct {
	store  Store
	client *http.Client
	opts   Options
	log    *slog.Logger
	nvd    *rate.Limiter

	queue   chan string
	mu      sync.Mutex
	pending map[string]bool // queued or being looked up

	// looked, when set (tests), is called after each wanted CVE was
	// handled by the worker.
	looked func(id string)
}

// New returns a Service that fetches with client (which must enforce the
// SSRF policy: article.NewClient) and keeps its data in store. A nil
// logger discards logs.
func New(store Store, client *http.Client, opts Options, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	opts = opts.withDefaults()
	per := nvdPerWindow
	if opts.NVDAPIKey != "" {
		per = nvdKeyPerWind
	}
	return &Service{
		store:   store,
		client:  client,
		opts:    opts,
		log:     logger,
		nvd:     rate.NewLimiter(rate.Every(nvdWindow/time.Duration(per)), 1),
		queue:   make(chan string, opts.Queue),
		pending: map[string]bool{},
	}
}

// Run refreshes the KEV catalog and the EPSS scores on their schedules and
// looks up wanted CVEs, until ctx ends; it returns nil then.
func (s *Service) Run(ctx context.Context) error {
	if s.opts.Disabled {
		return nil
	}
	var wg sync.WaitGroup
	wg.Go(func() { s.refreshLoop(ctx, news.IntelKEV, s.opts.KEVRefresh, s.RefreshKEV) })
	wg.Go(func() { s.refreshLoop(ctx, news.IntelEPSS, s.opts.EPSSRefresh, s.RefreshEPSS) })
	wg.Go(func() { s.work(ctx) })
	wg.Wait()
	return nil
}

// cveID matches a CVE id: the year and at least four digits.
var cveID = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)

// NormalizeID returns id trimmed and in upper case, and whether it is a
// CVE id ("cve-2025-53770" gives "CVE-2025-53770", true).
func NormalizeID(id string) (string, bool) {
	id = strings.ToUpper(strings.TrimSpace(id))
	return id, len(id) <= 32 && cveID.MatchString(id)
}

// normalizeIDs is the CVE ids of ids, normalized, each once.
func normalizeIDs(ids []string) []string {
	out := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id, ok := NormalizeID(id); ok && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// Lookup returns what the store has on each of ids (any case; ids that are
// not CVE ids are ignored), keyed by normalized id; a CVE nothing is known
// of is absent. It never calls the network, but CVEs whose record (and so
// CVSS score) is missing or older than the CVSS TTL are wanted (see Want):
// the CVEs a story names are looked up in the background the first time
// it is shown, and known the next time.
func (s *Service) Lookup(ctx context.Context, ids ...string) (map[string]news.CVEIntel, error) {
	ids = normalizeIDs(ids)
	if s.opts.Disabled || len(ids) == 0 {
		return map[string]news.CVEIntel{}, nil
	}
	got, err := s.store.CVEIntel(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := s.opts.Clock.Now()
	var want []string
	for _, id := range ids {
		if r := got[id].Record; r == nil || now.Sub(r.FetchedAt) >= s.opts.CVSSTTL {
			want = append(want, id)
		}
	}
	s.Want(want...)
	return got, nil
}

// Status returns the state of each source, in the order KEV, EPSS, CVE
// Services, NVD; a source never refreshed has only Source set. Disabled, it
// returns nothing.
func (s *Service) Status(ctx context.Context) ([]news.SourceStatus, error) {
	if s.opts.Disabled {
		return nil, nil
	}
	stored, err := s.store.IntelSources(ctx)
	if err != nil {
		return nil, err
	}
	out := []news.SourceStatus{{Source: news.IntelKEV}, {Source: news.IntelEPSS}, {Source: news.IntelCVE}, {Source: news.IntelNVD}}
	for i := range out {
		for _, st := range stored {
			if st.Source == out[i].Source {
				out[i] = st
			}
		}
	}
	return out, nil
}

// KEVAdded returns, oldest first, the KEV entries that were new to the
// catalog when a refresh after since found them (the first catalog loaded
// is the baseline and never listed): about limit of them, never cutting one
// refresh's additions in two. A KEV alert job passes the FirstSeenAt of the
// last entry it handled as the next since, so it skips none.
func (s *Service) KEVAdded(ctx context.Context, since time.Time, limit int) ([]news.KEVEntry, error) {
	if s.opts.Disabled {
		return nil, nil
	}
	return s.store.KEVAdded(ctx, since, limit)
}

// KEVProducts returns up to limit vendor and product pairs of the KEV
// catalog whose vendor, product or a word of the product starts with
// prefix (case-insensitive): autocomplete choices.
func (s *Service) KEVProducts(ctx context.Context, prefix string, limit int) ([]news.KEVProduct, error) {
	if s.opts.Disabled {
		return nil, nil
	}
	return s.store.KEVProducts(ctx, prefix, limit)
}

// sleep waits d on the service's clock; false when ctx ended first.
func (s *Service) sleep(ctx context.Context, d time.Duration) bool {
	c, stop := s.opts.Clock.NewTimer(d)
	defer stop()
	select {
	case <-c:
		return true
	case <-ctx.Done():
		return false
	}
}
