//go:build !linux

package publisher

import "net"

// Elsewhere than Linux the fast path writes every body with writev.

var minSendfileBody = 32 << 10

type bodyFile struct{}

func (*bodyFile) acquire() bool { return false }
func (*bodyFile) release()      {}
func (*bodyFile) dropCache()    {}

func newBodyFile([]byte) *bodyFile { return nil }

func sendHeadAndFile(net.Conn, []byte, *bodyFile) (bool, error) { return false, nil }

func bodyFilesOpen() int64 { return 0 }
