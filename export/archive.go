package export

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// staging is a directory holding an archive's members as files, while one
// is written or after one was read and checked.
type staging struct {
	dir     string
	members []Member          // in order
	files   map[string]string // member name -> file path
}

func newStaging(parent string) (*staging, error) {
	dir, err := os.MkdirTemp(parent, ".tenantry-export-")
	if err != nil {
		return nil, fmt.Errorf("make a staging directory: %w", err)
	}
	return &staging{dir: dir, files: map[string]string{}}, nil
}

// remove deletes the staging directory and its files.
func (s *staging) remove() { _ = os.RemoveAll(s.dir) }

// path returns the file a member is staged in: numbered, never named after
// the member, so that no name read from an archive reaches the file
// system.
func (s *staging) path(name string) string {
	if p, ok := s.files[name]; ok {
		return p
	}
	p := filepath.Join(s.dir, "m"+strconv.Itoa(len(s.files)))
	s.files[name] = p
	return p
}

// add records a staged member, computing its size and checksum.
func (s *staging) add(name string) error {
	f, err := os.Open(s.path(name))
	if err != nil {
		return fmt.Errorf("read staged %s: %w", name, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("read staged %s: %w", name, err)
	}
	s.members = append(s.members, Member{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))})
	return nil
}

// writeFile stages a member holding b.
func (s *staging) writeFile(name string, b []byte) error {
	if err := os.WriteFile(s.path(name), b, 0o600); err != nil {
		return fmt.Errorf("stage %s: %w", name, err)
	}
	return s.add(name)
}

// writeArchive writes m (its Members and Digest set from s) and the staged
// members to w as a gzip-compressed tar.
func (s *staging) writeArchive(w io.Writer, m *Manifest) error {
	m.Members = s.members
	m.Digest = digest(m.Members)
	head, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	if err := writeMember(tw, manifestName, int64(len(head)), m.CreatedAt, bytes.NewReader(head)); err != nil {
		return err
	}
	for _, mem := range s.members {
		if err := s.copyMember(tw, mem, m.CreatedAt); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	if err := gz.Close(); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	return nil
}

func (s *staging) copyMember(tw *tar.Writer, mem Member, at time.Time) error {
	f, err := os.Open(s.files[mem.Name])
	if err != nil {
		return fmt.Errorf("read staged %s: %w", mem.Name, err)
	}
	defer f.Close()
	return writeMember(tw, mem.Name, mem.Size, at, f)
}

func writeMember(tw *tar.Writer, name string, size int64, at time.Time, r io.Reader) error {
	hdr := &tar.Header{Name: name, Size: size, Mode: 0o600, ModTime: at.UTC().Truncate(time.Second), Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("write archive member %s: %w", name, err)
	}
	if _, err := io.CopyN(tw, r, size); err != nil {
		return fmt.Errorf("write archive member %s: %w", name, err)
	}
	return nil
}

// readArchive reads and checks a whole archive from r into a new staging
// directory under parent: the manifest first (refusing another format or
// major version at once), then every member, whose size and checksum must
// be the manifest's, in the manifest's order, with nothing missing, added
// or repeated, and then the gzip trailer. Any mismatch is an error
// wrapping ErrCorrupt (or ErrFormatVersion), and nothing is left staged.
func readArchive(r io.Reader, parent string) (*staging, *Manifest, error) {
	br := bufio.NewReader(r)
	gz, err := gzip.NewReader(br)
	if err != nil {
		return nil, nil, fmt.Errorf("not a gzip file: %v: %w", err, ErrCorrupt)
	}
	gz.Multistream(false)
	tr := tar.NewReader(gz)
	m, err := readManifest(tr)
	if err != nil {
		return nil, nil, err
	}
	s, err := newStaging(parent)
	if err != nil {
		return nil, nil, err
	}
	err = s.readMembers(tr, m)
	if err == nil {
		err = readTrailer(tr, gz, br)
	}
	if err != nil {
		s.remove()
		return nil, nil, err
	}
	return s, m, nil
}

func readManifest(tr *tar.Reader) (*Manifest, error) {
	hdr, err := tr.Next()
	if err != nil {
		return nil, corrupt("read the first member", err)
	}
	if hdr.Name != manifestName || hdr.Typeflag != tar.TypeReg || hdr.Size > maxManifest {
		return nil, fmt.Errorf("the first member is %q, not %s: %w", hdr.Name, manifestName, ErrCorrupt)
	}
	b, err := io.ReadAll(tr)
	if err != nil {
		return nil, corrupt("read "+manifestName, err)
	}
	return parseManifest(b)
}

// readMembers stages each member m lists, in order, checking it.
func (s *staging) readMembers(tr *tar.Reader, m *Manifest) error {
	for _, want := range m.Members {
		hdr, err := tr.Next()
		if err != nil {
			return corrupt("read member "+want.Name, err)
		}
		if hdr.Name != want.Name || hdr.Typeflag != tar.TypeReg || hdr.Size != want.Size {
			return fmt.Errorf("member %q (%d bytes) where the manifest has %q (%d bytes): %w",
				hdr.Name, hdr.Size, want.Name, want.Size, ErrCorrupt)
		}
		if err := s.readMember(tr, want); err != nil {
			return err
		}
	}
	s.members = m.Members
	return nil
}

func (s *staging) readMember(r io.Reader, want Member) error {
	f, err := os.OpenFile(s.path(want.Name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("stage %s: %w", want.Name, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if cerr := f.Close(); err == nil && cerr != nil {
		return fmt.Errorf("stage %s: %w", want.Name, cerr)
	}
	if err != nil {
		return corrupt("read member "+want.Name, err)
	}
	if n != want.Size || hex.EncodeToString(h.Sum(nil)) != want.SHA256 {
		return fmt.Errorf("member %s does not match its checksum: %w", want.Name, ErrCorrupt)
	}
	return nil
}

// readTrailer requires the end of the tar, of the gzip stream (whose
// CRC and length gzip checks there) and of the file.
func readTrailer(tr *tar.Reader, gz *gzip.Reader, rest *bufio.Reader) error {
	hdr, err := tr.Next()
	if err == nil {
		return fmt.Errorf("member %q is not in the manifest: %w", hdr.Name, ErrCorrupt)
	}
	if !errors.Is(err, io.EOF) {
		return corrupt("read the end of the archive", err)
	}
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return corrupt("read the end of the archive", err)
	}
	if _, err := rest.ReadByte(); err == nil {
		return fmt.Errorf("data follows the end of the archive: %w", ErrCorrupt)
	}
	return nil
}

// corrupt wraps a read error as ErrCorrupt: an unexpected end is a
// truncated archive.
func corrupt(doing string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: the archive ends too soon (truncated?): %w", doing, ErrCorrupt)
	}
	return fmt.Errorf("%s: %v: %w", doing, err, ErrCorrupt)
}
