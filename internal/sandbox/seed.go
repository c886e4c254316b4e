package sandbox

// seedPlans returns the plans from the provider's documentation.
func seedPlans() []Plan {
	return []Plan{
		{PlanID: 123, PlanName: "Acme Plan", Currency: "AUD", PlanType: "SIP Trunk", Price: "1.99"},
		{PlanID: 134, PlanName: "Test Plan", Currency: "AUD", PlanType: "SMS Plan", Price: "1.20"},
	}
}

// seedCustomers returns the documented example customer followed by
// fictional Australian businesses whose ABNs pass the ABN checksum, so that
// clients validating ABNs accept them. One is soft-deleted, so listings show
// both states. Each call returns fresh values; servers never share them.
func seedCustomers() []Customer {
	return []Customer{
		{
			CustomerID:    5,
			CustomerName:  "waqi sc01",
			AccountNumber: 12345,
			Nickname:      "test 01",
			ABN:           "123455",
			Addr1:         "test sc01",
			Postcode:      "3000",
			City:          "MELBOURNE",
			Region:        "Victoria",
			Country:       "Australia",
			CreatedDate:   "2022-07-25 02:42:02",
		},
		{
			CustomerID:    6,
			CustomerName:  "Redfern Print Co Pty Ltd",
			AccountNumber: 12346,
			Nickname:      "Redfern Print",
			ABN:           "70614927305",
			Addr1:         "Level 2, 45 Clarence Street",
			Postcode:      "2000",
			City:          "SYDNEY",
			Region:        "New South Wales",
			Country:       "Australia",
			Website:       "https://www.redfernprint.com.au",
			CreatedDate:   "2023-03-14 09:12:45",
		},
		{
			CustomerID:    7,
			CustomerName:  "Brisbane Valley Physiotherapy Pty Ltd",
			AccountNumber: 12347,
			Nickname:      "BV Physio",
			ABN:           "48208371946",
			Addr1:         "Suite 4",
			Addr2:         "300 Adelaide Street",
			Postcode:      "4000",
			City:          "BRISBANE",
			Region:        "Queensland",
			Country:       "Australia",
			Website:       "https://bvphysio.com.au",
			CreatedDate:   "2023-08-02 23:05:10",
		},
		{
			CustomerID:    8,
			CustomerName:  "Swan River Logistics Pty Ltd",
			AccountNumber: 12348,
			Nickname:      "Swan Logistics",
			ABN:           "61735016482",
			Addr1:         "Level 9, 251 St Georges Terrace",
			Postcode:      "6000",
			City:          "PERTH",
			Region:        "Western Australia",
			Country:       "Australia",
			Website:       "https://swanriverlogistics.com.au",
			CreatedDate:   "2024-01-19 04:47:33",
			DeleteDate:    new("2024-11-02 06:30:00"),
		},
		{
			CustomerID:    9,
			CustomerName:  "Salamanca Bookkeeping",
			AccountNumber: 12349,
			Nickname:      "Salamanca Books",
			ABN:           "73492863170",
			Addr1:         "Unit 2, 71 Salamanca Place",
			Postcode:      "7000",
			City:          "HOBART",
			Region:        "Tasmania",
			Country:       "Australia",
			Website:       "https://salamancabookkeeping.com.au",
			CreatedDate:   "2024-06-11 01:20:58",
		},
	}
}
