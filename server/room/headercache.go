package room

import (
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// headerCache is the innermost interceptor of a softphone connection's
// receive chain: it parses each received RTP packet's header into one
// header per stream and hands it up in one attributes map per stream. The
// RTCP receiver reports (pion's report.ReceiverInterceptor, which reads
// every packet's sequence number and timestamp) find the header there;
// pion reads with no attributes, so otherwise each packet cost a new map
// and a new header: about 3 of the 5 allocations of a call's tick and most
// of its bytes. The reports are pion's, unchanged.
type headerCache struct{ interceptor.NoOp }

// headerCacheFactory builds it for each peer connection (interceptor.Factory).
type headerCacheFactory struct{}

func (headerCacheFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &headerCache{}, nil
}

// rtpHeaderKey is the key under which interceptor.Attributes.GetRTPHeader
// caches a parsed header. The package does not export it, so it is read
// back from a map GetRTPHeader has cached a header in; nil if that ever
// stops working (then only the map is reused).
var rtpHeaderKey = func() any {
	a := interceptor.Attributes{}
	if _, err := a.GetRTPHeader([]byte{0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}); err != nil {
		return nil
	}
	for k := range a {
		return k
	}
	return nil
}()

// BindRemoteStream wraps a stream's reader. One goroutine reads a stream
// (the staff leg's read loop), and the interceptors above use the header
// before the next read, so one header and one map per stream serve.
func (*headerCache) BindRemoteStream(_ *interceptor.StreamInfo, r interceptor.RTPReader) interceptor.RTPReader {
	h := new(rtp.Header)
	attrs := interceptor.Attributes{}
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		if a == nil {
			clear(attrs)
			a = attrs
		}
		n, a, err := r.Read(b, a)
		if err != nil || rtpHeaderKey == nil || a == nil {
			return n, a, err
		}
		if _, err := h.Unmarshal(b[:n]); err != nil {
			return n, a, nil // the reports' own parse says why
		}
		a[rtpHeaderKey] = h
		return n, a, nil
	})
}
