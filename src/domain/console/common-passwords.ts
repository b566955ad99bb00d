/**
 * Passwords and base words that appear near the top of every published list of leaked passwords (the
 * SplashData and NordPass yearly lists, the well-known "top 10,000" compilations), written down from those
 * lists, lower case. Most are shorter than 12 characters and so already refused by length: they matter as
 * the *base* of a breached pattern ('Password2024!', 'Summer2026!!', 'L3tm3in12345'), which
 * password-rules.ts recognises after stripping digits and symbols and undoing common letter swaps.
 * Not a breach corpus: a check against one (k-anonymity range queries) is left for later.
 */
export const COMMON_BASE_WORDS: ReadonlySet<string> = new Set(
  `password passw passwd pass pwd secret letmein welcome admin administrator root login master
qwerty qwert qwertz azerty asdf asdfgh zxcvbn abc abcd abcdef iloveyou iloveu loveyou love lovely lover
dragon monkey shadow sunshine princess football baseball basketball soccer hockey tennis golf
superman batman spiderman starwars pokemon minecraft naruto matrix ninja pirate
michael jennifer jordan hunter buster harley tigger charlie robert thomas daniel andrew joshua george
jessica michelle ashley amanda nicole samantha taylor hannah jasmine lauren madison olivia sophie
matthew william anthony justin patrick richard joseph jackson oliver maggie ginger pepper bailey
killer trustno freedom whatever cheese cookie chicken coffee orange banana apple cherry peanut pumpkin
mustang ferrari porsche mercedes corvette camaro yamaha honda toyota nissan harley
summer winter spring autumn fall sunday monday tuesday wednesday thursday friday saturday
january february march april may june july august september october november december
hello hallo flower purple silver golden diamond crystal rainbow thunder dolphin tiger eagle falcon
phoenix maverick merlin gandalf wizard dragonball knight warrior legend
internet computer google yahoo facebook linkedin samsung iphone android windows linux
access security changeme default guest test tester testing temp temporary demo sample
money dollar lucky happy family friends forever heaven angel angels jesus christ god blessed
america canada london paris berlin chicago boston dallas texas florida california newyork
liverpool arsenal chelsea manutd barcelona realmadrid juventus yankees lakers cowboys steelers
eagles packers raiders broncos patriots redsox giants
cowboy ranger rangers marine marines police sheriff officer company office work
keywarden keys key cabinet
mother father daddy mommy baby babygirl sweet sweetheart honey darling
chocolate cupcake butterfly elephant kitten puppy doggie snoopy garfield mickey
shannon heather melissa jessie victoria natasha rachel sarah jenny
qazwsx qazwsxedc zaq zaqxsw zxcvbnm asdfghjkl qwertyuiop poiuytrewq mnbvcxz`
    .split(/\s+/)
    .filter((word) => word.length > 0),
);

/**
 * Whole passwords of 12 characters or more that leaked lists hold many times over, beyond what the pattern
 * rules already catch (word + digits, keyboard walks, repeats).
 */
export const COMMON_LONG_PASSWORDS: ReadonlySet<string> = new Set([
  '123456789012',
  '1234567890123',
  '12345678901234',
  '1234567890qwe',
  'qwertyuiop12',
  'qwertyuiop123',
  'qwertyuiopasdf',
  '1q2w3e4r5t6y',
  '1q2w3e4r5t6y7u',
  '1qaz2wsx3edc',
  '1qaz2wsx3edc4rfv',
  'qazwsxedcrfv',
  'qazwsxedcrfvtgb',
  'zaq12wsxcde3',
  'zaq1zaq1zaq1',
  'passwordpassword',
  'password1234',
  'password12345',
  'password123456',
  'iloveyou1234',
  'iloveyouiloveyou',
  'trustno1trustno1',
  'letmeinletmein',
  'correcthorsebatterystaple',
  'correct horse battery staple',
  'thequickbrownfox',
  'thequickbrownfoxjumpsoverthelazydog',
  'abcdefghijkl',
  'abcdefghijklmnop',
  'abc123abc123',
  'qwerty123456',
  'qwertyqwerty',
  'asdfasdfasdf',
  'asdfghjkl123',
  'monkeymonkey',
  'welcome12345',
  'welcome123456',
  'administrator',
  'administrator1',
  'changemenow1',
  'pleasechangeme',
  'mypassword123',
  'mysecretpassword',
  'supersecretpassword',
  'letmein12345',
  'football1234',
  'baseball1234',
  'sunshine1234',
  'princess1234',
  '111111111111',
  '000000000000',
  '123123123123',
  '147258369147',
  '987654321098',
  '098765432109',
]);
