package archive

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config configures the S3 backend.
type S3Config struct {
	Endpoint  string // host:port
	Region    string
	Bucket    string
	TLS       bool
	CAFile    string // PEM; added to the system's roots
	LockMode  string // Governance or Compliance
	AccessKey string
	SecretKey string
	// SinglePutLimit is the largest object sent in one PUT with its SHA-256
	// checked by the server; larger ones go multipart, with the SHA-256 in
	// metadata and a read-back check. 0 means 256 MiB.
	SinglePutLimit int64
}

// S3 is the S3-compatible backend (MinIO, AWS, others) on minio-go. Every
// object is put with a retention in the configured lock mode; the bucket
// must have object lock enabled (klipp creates it so when it may).
type S3 struct {
	client *minio.Client
	cfg    S3Config
}

var _ Store = (*S3)(nil)

// ConfigError is a problem with the configuration, not the server.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// NewS3 connects to the endpoint and makes sure the bucket exists with
// object lock. Credentials are never part of an error message.
func NewS3(ctx context.Context, c S3Config) (*S3, error) {
	if c.SinglePutLimit == 0 {
		c.SinglePutLimit = 256 << 20
	}
	if err := validEndpoint(c.Endpoint); err != nil {
		return nil, err
	}
	if c.AccessKey == "" || c.SecretKey == "" {
		return nil, &ConfigError{"archive.s3: no credentials: set KLIPP_S3_ACCESS_KEY and KLIPP_S3_SECRET_KEY (or archive.s3.access_key / secret_key)"}
	}
	tr, err := transport(c)
	if err != nil {
		return nil, err
	}
	client, err := minio.New(c.Endpoint, &minio.Options{
		Creds: credentials.NewStaticV4(c.AccessKey, c.SecretKey, ""), Secure: c.TLS, Region: c.Region, Transport: tr, MaxRetries: 3,
	})
	if err != nil {
		return nil, &ConfigError{fmt.Sprintf("archive.s3.endpoint %q: %v", c.Endpoint, err)}
	}
	s := &S3{client: client, cfg: c}
	return s, s.ensureBucket(ctx)
}

func validEndpoint(ep string) error {
	bad := &ConfigError{fmt.Sprintf("archive.s3.endpoint %q: give host:port without a scheme or path, e.g. 127.0.0.1:9000 (archive.s3.tls selects https)", ep)}
	if ep == "" || strings.Contains(ep, "/") || strings.ContainsAny(ep, " \t") {
		return bad
	}
	host, port, err := net.SplitHostPort(ep)
	if err != nil {
		if strings.Contains(err.Error(), "missing port") && !strings.Contains(ep, ":") {
			host, port = ep, "443"
		} else {
			return bad
		}
	}
	if host == "" || port == "" {
		return bad
	}
	u, err := url.Parse("http://" + ep)
	if err != nil || u.Host != ep {
		return bad
	}
	return nil
}

func transport(c S3Config) (http.RoundTripper, error) {
	tr, err := minio.DefaultTransport(c.TLS)
	if err != nil {
		return nil, err
	}
	if c.TLS && c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, &ConfigError{fmt.Sprintf("archive.s3.ca_file: %v", err)}
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, &ConfigError{fmt.Sprintf("archive.s3.ca_file %s: no PEM certificate in it", c.CAFile)}
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return tr, nil
}

func (s *S3) Describe() string {
	scheme := "http"
	if s.cfg.TLS {
		scheme = "https"
	}
	return fmt.Sprintf("s3://%s at %s://%s", s.cfg.Bucket, scheme, s.cfg.Endpoint)
}

// ensureBucket creates the bucket with object lock, or checks that an
// existing one has it.
func (s *S3) ensureBucket(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.cfg.Bucket)
	if err != nil {
		return s.wrap("bucket "+s.cfg.Bucket, err)
	}
	if !ok {
		if err := s.client.MakeBucket(ctx, s.cfg.Bucket, minio.MakeBucketOptions{Region: s.cfg.Region, ObjectLocking: true}); err != nil {
			return s.wrap("create bucket "+s.cfg.Bucket+" with object lock", err)
		}
		return nil
	}
	enabled, _, _, _, err := s.client.GetObjectLockConfig(ctx, s.cfg.Bucket)
	if err != nil || enabled != "Enabled" {
		var er minio.ErrorResponse
		if err != nil && !(errors.As(err, &er) && strings.Contains(er.Code, "ObjectLockConfiguration")) {
			return s.wrap("bucket "+s.cfg.Bucket, err)
		}
		return &LockError{Bucket: s.cfg.Bucket, Mode: s.cfg.LockMode}
	}
	return nil
}

// LockError says the bucket cannot hold objects write-once.
type LockError struct{ Bucket, Mode string }

func (e *LockError) Error() string {
	return fmt.Sprintf("bucket %s has no object lock, so %s-mode retention cannot be set: object lock can only be enabled when a bucket is created; "+
		"set archive.s3.bucket to a new name (klipp creates it with object lock) or create it with object locking (mc mb --with-lock, aws s3api create-bucket --object-lock-enabled-for-bucket)",
		e.Bucket, e.Mode)
}

// AuthError means the server refused the credentials.
type AuthError struct{ Endpoint string }

func (e *AuthError) Error() string {
	return fmt.Sprintf("archive %s: authentication failed: check KLIPP_S3_ACCESS_KEY and KLIPP_S3_SECRET_KEY", e.Endpoint)
}

// TLSError means the server's certificate could not be verified.
type TLSError struct {
	Endpoint string
	Err      error
}

func (e *TLSError) Error() string {
	return fmt.Sprintf("archive %s: TLS certificate not trusted (%v): set archive.s3.ca_file to the CA that signed it", e.Endpoint, e.Err)
}

// wrap turns a minio-go error into one of the archive's errors.
func (s *S3) wrap(what string, err error) error {
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		switch er.Code {
		case "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken":
			if er.Code != "AccessDenied" || strings.Contains(strings.ToLower(er.Message), "credential") {
				return &AuthError{Endpoint: s.cfg.Endpoint}
			}
		case "NoSuchKey", "NoSuchVersion":
			return fmt.Errorf("%s: %w", what, ErrNotFound)
		case "XAmzContentChecksumMismatch", "BadDigest", "XAmzContentSHA256Mismatch", "InvalidDigest":
			return fmt.Errorf("%s: %s: %w", what, er.Message, ErrChecksum)
		}
		if er.StatusCode >= 500 {
			return &Unreachable{fmt.Errorf("%s on %s: server error %d: %s", what, s.Describe(), er.StatusCode, er.Message)}
		}
		return fmt.Errorf("%s on %s: %s (%s)", what, s.Describe(), er.Message, er.Code)
	}
	var ua x509.UnknownAuthorityError
	var cie x509.CertificateInvalidError
	var hn x509.HostnameError
	if errors.As(err, &ua) || errors.As(err, &cie) || errors.As(err, &hn) || strings.Contains(err.Error(), "certificate signed by unknown authority") {
		return &TLSError{Endpoint: s.cfg.Endpoint, Err: errors.Unwrap(err)}
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	var ne net.Error
	var oe *net.OpError
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &oe) || errors.As(err, &ue) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		strings.Contains(err.Error(), "connection re") {
		return &Unreachable{fmt.Errorf("%s: %s unreachable: %v", what, s.Describe(), err)}
	}
	return fmt.Errorf("%s on %s: %w", what, s.Describe(), err)
}

func (s *S3) Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (Object, error) {
	sum, err := hex.DecodeString(opts.SHA256)
	if err != nil || len(sum) != 32 {
		return Object{}, fmt.Errorf("%s: SHA-256 %q is not 64 hex digits", key, opts.SHA256)
	}
	po := minio.PutObjectOptions{
		ContentType:  opts.ContentType,
		UserMetadata: map[string]string{"Sha256": opts.SHA256},
		PartSize:     32 << 20,
		NumThreads:   4,
	}
	if opts.Mode != "" {
		po.Mode = minio.RetentionMode(strings.ToUpper(opts.Mode))
		po.RetainUntilDate = opts.RetainUntil.UTC()
	}
	single := opts.Size <= s.cfg.SinglePutLimit
	if single {
		// The server checks the bytes against the locally computed SHA-256.
		po.DisableMultipart = true
		po.UserMetadata["X-Amz-Checksum-Sha256"] = base64.StdEncoding.EncodeToString(sum)
	}
	info, err := s.client.PutObject(ctx, s.cfg.Bucket, key, r, opts.Size, po)
	if err != nil {
		return Object{}, s.wrap("put "+key, err)
	}
	if single && info.ChecksumSHA256 == po.UserMetadata["X-Amz-Checksum-Sha256"] {
		// The server answered with the checksum it verified: no need to ask
		// again.
		return Object{Key: key, Size: info.Size, SHA256: opts.SHA256, ChecksumVerified: true, Mode: opts.Mode,
			RetainUntil: po.RetainUntilDate, VersionID: info.VersionID}, nil
	}
	obj, err := s.Stat(ctx, key)
	if err != nil {
		return obj, err
	}
	if !single {
		// Multipart: the server holds a checksum of part checksums, so read
		// the object back and compare it with the local SHA-256.
		got, err := hashObject(ctx, s, key)
		if err != nil {
			return obj, err
		}
		if got != opts.SHA256 {
			return obj, fmt.Errorf("%s: read back with SHA-256 %s, uploaded %s: %w", key, got, opts.SHA256, ErrChecksum)
		}
	} else if !obj.ChecksumVerified || obj.SHA256 != opts.SHA256 {
		return obj, fmt.Errorf("%s: the server does not report the SHA-256 checksum it was sent: %w", key, ErrChecksum)
	}
	return obj, nil
}

func (s *S3) Stat(ctx context.Context, key string) (Object, error) {
	info, err := s.client.StatObject(ctx, s.cfg.Bucket, key, minio.StatObjectOptions{Checksum: true})
	if err != nil {
		var er minio.ErrorResponse
		if errors.As(err, &er) && (er.StatusCode == http.StatusNotFound || er.Code == "NoSuchKey") {
			return Object{}, fmt.Errorf("%s: %w", key, ErrNotFound)
		}
		return Object{}, s.wrap("stat "+key, err)
	}
	o := Object{Key: key, Size: info.Size, VersionID: info.VersionID, SHA256: strings.ToLower(info.UserMetadata["Sha256"])}
	if cs := info.ChecksumSHA256; cs != "" && !strings.Contains(cs, "-") {
		if b, err := base64.StdEncoding.DecodeString(cs); err == nil && len(b) == 32 {
			o.SHA256, o.ChecksumVerified = hex.EncodeToString(b), true
		}
	}
	mode, until, err := s.client.GetObjectRetention(ctx, s.cfg.Bucket, key, info.VersionID)
	if err != nil {
		var er minio.ErrorResponse
		if !errors.As(err, &er) || er.StatusCode >= 500 {
			return o, s.wrap("retention of "+key, err)
		}
	} else {
		if mode != nil {
			o.Mode = strings.ToLower(string(*mode))
		}
		if until != nil {
			o.RetainUntil = until.UTC()
		}
	}
	hold, err := s.client.GetObjectLegalHold(ctx, s.cfg.Bucket, key, minio.GetObjectLegalHoldOptions{VersionID: info.VersionID})
	if err == nil && hold != nil {
		o.LegalHold = *hold == minio.LegalHoldEnabled
	}
	return o, nil
}

func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	obj, err := s.client.GetObject(ctx, s.cfg.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.wrap("get "+key, err)
	}
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		var er minio.ErrorResponse
		if errors.As(err, &er) && (er.StatusCode == http.StatusNotFound || er.Code == "NoSuchKey") {
			return nil, fmt.Errorf("%s: %w", key, ErrNotFound)
		}
		return nil, s.wrap("get "+key, err)
	}
	return obj, nil
}

func (s *S3) List(ctx context.Context, prefix string) ([]Object, error) {
	var out []Object
	for info := range s.client.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if info.Err != nil {
			return nil, s.wrap("list "+prefix, info.Err)
		}
		out = append(out, Object{Key: info.Key, Size: info.Size})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func (s *S3) SetLegalHold(ctx context.Context, key string, on bool) error {
	status := minio.LegalHoldDisabled
	if on {
		status = minio.LegalHoldEnabled
	}
	if err := s.client.PutObjectLegalHold(ctx, s.cfg.Bucket, key, minio.PutObjectLegalHoldOptions{Status: &status}); err != nil {
		return s.wrap("legal hold on "+key, err)
	}
	return nil
}

// Client is the underlying minio-go client, for tests that act as an
// independent party (overwriting, deleting).
func (s *S3) Client() *minio.Client { return s.client }

// Bucket is the configured bucket.
func (s *S3) Bucket() string { return s.cfg.Bucket }
