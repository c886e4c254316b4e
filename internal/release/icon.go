package release

import (
	"bytes"
	_ "embed"
	"image"
	"image/color"
	"image/png"
	"math"
)

// iconPNG is the bundle's icon, drawn by Icon and written by
// `go run ./internal/release/cmd/icon`; a test keeps the two the same.
//
//go:embed icon.png
var iconPNG []byte

// IconSize is the icon's width and height: what Claude Desktop recommends.
const IconSize = 512

// Icon draws the project's icon: an atom (three orbits round a nucleus) in
// white and amber on a rounded square in Atom Telecom blue.
func Icon() *image.NRGBA {
	const n = IconSize
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	top, bottom := color.NRGBA{0x0d, 0x47, 0xa1, 0xff}, color.NRGBA{0x19, 0x76, 0xd2, 0xff}
	white := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	amber := color.NRGBA{0xff, 0xb3, 0x00, 0xff}
	c := float64(n) / 2
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			// Background: a rounded square with antialiased corners.
			bg := coverage(roundedBoxDist(px-c, py-c, c-8, 96))
			if bg == 0 {
				continue
			}
			col := mix(top, bottom, py/float64(n))
			// Three orbits, 60 degrees apart.
			for k := 0; k < 3; k++ {
				th := float64(k) * math.Pi / 3
				col = over(col, white, coverage(math.Abs(ellipseDist(px-c, py-c, 190, 72, th))-9))
			}
			// An electron on each orbit.
			for k := 0; k < 3; k++ {
				th := float64(k) * math.Pi / 3
				ex, ey := 190*math.Cos(th), 190*math.Sin(th)
				col = over(col, white, coverage(math.Hypot(px-c-ex, py-c-ey)-20))
			}
			col = over(col, amber, coverage(math.Hypot(px-c, py-c)-46))
			col.A = uint8(math.Round(bg * 255))
			img.SetNRGBA(x, y, col)
		}
	}
	return img
}

// EncodeIcon renders Icon as the PNG that `go run ./internal/release/cmd/icon` commits.
func EncodeIcon() ([]byte, error) {
	var b bytes.Buffer
	if err := png.Encode(&b, Icon()); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// coverage turns a signed distance (negative inside) into the share of a
// pixel covered.
func coverage(d float64) float64 { return math.Max(0, math.Min(1, 0.5-d)) }

// roundedBoxDist is the signed distance to a square of half side h with
// corners of radius r.
func roundedBoxDist(x, y, h, r float64) float64 {
	qx, qy := math.Abs(x)-(h-r), math.Abs(y)-(h-r)
	return math.Hypot(math.Max(qx, 0), math.Max(qy, 0)) + math.Min(math.Max(qx, qy), 0) - r
}

// ellipseDist approximates the signed distance to an ellipse with
// semi-axes a and b turned by th (first-order: f / |grad f|).
func ellipseDist(x, y, a, b, th float64) float64 {
	cs, sn := math.Cos(th), math.Sin(th)
	u, v := x*cs+y*sn, -x*sn+y*cs
	f := u*u/(a*a) + v*v/(b*b) - 1
	gu, gv := 2*u/(a*a), 2*v/(b*b)
	g := math.Hypot(gu, gv)
	if g == 0 {
		return -b
	}
	return f / g
}

func mix(a, b color.NRGBA, t float64) color.NRGBA {
	l := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + (float64(y)-float64(x))*t)) }
	return color.NRGBA{l(a.R, b.R), l(a.G, b.G), l(a.B, b.B), 0xff}
}

func over(dst, src color.NRGBA, a float64) color.NRGBA {
	if a <= 0 {
		return dst
	}
	return mix(dst, src, a)
}
