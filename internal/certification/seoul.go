package certification

import (
	"time"
	_ "time/tzdata" // Asia/Seoul must load even in minimal containers.
)

// Seoul is the time zone of i'mport's calendar dates: `birth` is midnight
// of `birthday` in Asia/Seoul, and ages are judged on Seoul's calendar
// date. The embedded tzdata makes it load everywhere; the fixed UTC+9
// fallback is exact for every date since 1988, when Korea last used
// daylight saving time.
var Seoul = loadSeoul()

func loadSeoul() *time.Location {
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		return time.FixedZone("KST", 9*60*60)
	}
	return loc
}
