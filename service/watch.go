package service

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"meterflow/processors/convert"
)

// DefaultWatchInterval is how often Watch looks at the definition files.
const DefaultWatchInterval = 2 * time.Second

// Watch reloads (see Reload) whenever the files the definitions and
// pipelines come from change: it compares their names, sizes and
// modification times every interval (default DefaultWatchInterval) until
// ctx is done. A rejected reload is logged and retried only after the next
// change. The shipped definitions are compiled in and never change.
func (s *Service) Watch(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultWatchInterval
	}
	last := s.fingerprint()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fp := s.fingerprint()
		if fp == last {
			continue
		}
		last = fp
		s.log.Info("definition files changed: reloading")
		if err := s.Reload(); err != nil {
			s.log.Error("reload failed; the running definitions stay", "error", err)
		}
	}
}

// watchedPaths are the files and directories the definitions may come from.
func (s *Service) watchedPaths() []string {
	c := s.cfg
	var paths []string
	if len(c.Convert.MeterDirs) > 0 {
		paths = append(paths, c.Convert.MeterDirs...)
	} else if !c.Convert.NoEtc {
		paths = append(paths, convert.EtcMetersDir)
	}
	for _, p := range [][2]string{
		{c.Convert.EventsFile, convert.EtcEventDefinitions},
		{c.PipelineFile, EtcPipeline},
		{c.EventPipelineFile, EtcEventPipeline},
	} {
		if p[0] != "" {
			paths = append(paths, p[0])
		} else if !c.Convert.NoEtc {
			paths = append(paths, p[1])
		}
	}
	return paths
}

// fingerprint describes the watched files (a directory's entries, one
// level deep) by name, size and modification time.
func (s *Service) fingerprint() string {
	var lines []string
	var add func(p string)
	add = func(p string) {
		st, err := os.Stat(p)
		if err != nil {
			lines = append(lines, p+" absent")
			return
		}
		lines = append(lines, fmt.Sprintf("%s %d %d", p, st.Size(), st.ModTime().UnixNano()))
		if !st.IsDir() {
			return
		}
		entries, _ := os.ReadDir(p)
		for _, e := range entries {
			if !e.IsDir() {
				add(filepath.Join(p, e.Name()))
			}
		}
	}
	for _, p := range s.watchedPaths() {
		add(p)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
