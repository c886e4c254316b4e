package release

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"
)

// file is one entry of an archive.
type file struct {
	name string // slash-separated path inside the archive
	mode fs.FileMode
	data []byte
}

// sorted returns files in name order: an archive's bytes must not depend on
// the order they were gathered in.
func sorted(files []file) []file {
	out := slices.Clone(files)
	slices.SortFunc(out, func(a, b file) int { return strings.Compare(a.name, b.name) })
	return out
}

// writeTarGz writes files as a gzipped tar whose every timestamp is mtime
// and which records no owner: the same files give the same bytes.
func writeTarGz(path string, files []file, mtime time.Time) error {
	var buf bytes.Buffer
	gz, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	// The gzip header keeps no name and no time (ModTime zero).
	tw := tar.NewWriter(gz)
	for _, f := range sorted(files) {
		hdr := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     f.name,
			Mode:     int64(f.mode.Perm()),
			Size:     int64(len(f.data)),
			ModTime:  mtime,
			Format:   tar.FormatPAX,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("%s: %s: %w", path, f.name, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return fmt.Errorf("%s: %s: %w", path, f.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// writeZip writes files as a zip with every timestamp mtime and the Unix
// mode of each entry kept (an MCPB host restores the executable bit from
// it, as `mcpb unpack` does).
func writeZip(path string, files []file, mtime time.Time) error {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range sorted(files) {
		hdr := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: mtime.UTC()}
		hdr.SetMode(f.mode)
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", path, f.name, err)
		}
		if _, err := w.Write(f.data); err != nil {
			return fmt.Errorf("%s: %s: %w", path, f.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
