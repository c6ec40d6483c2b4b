package journey_test

import "time"

func timeIn(hours int) time.Time { return time.Now().Add(time.Duration(hours) * time.Hour) }
