# gen_api16k.py writes api16k.json: a paginated API answer (a list of
# users) just under 16 KiB, from a fixed seed. Run: python3 gen_api16k.py
import json, random, uuid
random.seed(13)
first=["Ada","Grace","Linus","Ken","Barbara","Donald","Edsger","Frances","John","Margaret","Dennis","Radia","Bjarne","Guido","Yukihiro","Anders"]
last=["Lovelace","Hopper","Torvalds","Thompson","Liskov","Knuth","Dijkstra","Allen","Backus","Hamilton","Ritchie","Perlman","Stroustrup","van Rossum","Matsumoto","Hejlsberg"]
cities=[("Shenzhen","CN","518000"),("Berlin","DE","10115"),("Austin","US","78701"),("Bangalore","IN","560001"),("São Paulo","BR","01000-000"),("Lyon","FR","69001"),("Osaka","JP","530-0001")]
plans=["free","basic","pro","enterprise"]
tags=["beta","vip","churn-risk","newsletter","api","mobile","sso","trial","annual","monthly"]
def user(i):
    f,l=random.choice(first),random.choice(last)
    c=random.choice(cities)
    return {
      "id": 100000+i*7+random.randint(0,6),
      "uuid": str(uuid.UUID(int=random.getrandbits(128),version=4)),
      "name": f+" "+l,
      "email": (f+"."+l).lower().replace(" ","")+"@example.com",
      "plan": random.choice(plans),
      "active": random.random()<0.85,
      "balance": round(random.uniform(0,5000),2),
      "created_at": "2025-%02d-%02dT%02d:%02d:%02dZ"%(random.randint(1,12),random.randint(1,28),random.randint(0,23),random.randint(0,59),random.randint(0,59)),
      "address": {"city": c[0], "country": c[1], "postcode": c[2], "street": "%d %s Street"%(random.randint(1,999), random.choice(last))},
      "tags": random.sample(tags, random.randint(0,3)),
      "usage": {"requests_30d": random.randint(0,2_000_000), "errors_30d": random.randint(0,5000), "p99_ms": round(random.uniform(3,900),1)},
    }
items=[]
out=""
i=0
while True:
    items.append(user(i)); i+=1
    doc={"data":items,"page":{"number":1,"size":len(items),"next":"/v1/users?page=2&size=%d"%len(items)},"request_id":"7f3c2a9e-51b4-4c0e-9d62-2b8f0e4a1c77"}
    s=json.dumps(doc, ensure_ascii=False, indent=None, separators=(",",":"))
    if len(s.encode())>16384:
        break
    out=s
open("api16k.json","w").write(out)
